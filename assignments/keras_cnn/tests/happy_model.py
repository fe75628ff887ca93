from otter.test_files import test_case

OK_FORMAT = False

name = "happy_model"
points = 4

@test_case(points=None, hidden=False)
def test_happy_model(happy_model):
    assert callable(happy_model), 'happy_model is not defined: run the cell that defines it'
    model = happy_model()
    names = [type(layer).__name__ for layer in model.layers]
    assert names[:3] == ['ZeroPadding2D', 'Conv2D', 'BatchNormalization'], f'the first layers should be ZeroPadding2D, Conv2D, BatchNormalization, not {names[:3]}'
    assert model.output_shape == (None, 1), f'the model should give one probability per image, shape (None, 1), not {model.output_shape}'

