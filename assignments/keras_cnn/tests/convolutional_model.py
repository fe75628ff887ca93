from otter.test_files import test_case

OK_FORMAT = False

name = "convolutional_model"
points = 6

@test_case(points=None, hidden=False)
def test_convolutional_model(convolutional_model):
    assert callable(convolutional_model), 'convolutional_model is not defined: run the cell that defines it'
    for shape in [(8, 8, 1), (64, 64, 3)]:
        model = convolutional_model(shape)
        assert model.input_shape == (None, *shape), f'convolutional_model({shape}) should take input of shape {shape}, not {model.input_shape[1:]}: use the input_shape argument'
        assert model.output_shape == (None, 6), f'the model should give six probabilities per image, shape (None, 6), not {model.output_shape}'

