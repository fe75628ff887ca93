from otter.test_files import test_case

OK_FORMAT = False

name = "initialize_parameters"
points = 1

@test_case(points=None, hidden=False)
def test_initialize_parameters(initialize_parameters):
    import tensorflow as tf
    assert callable(initialize_parameters), 'initialize_parameters is not defined: run its cell'
    parameters = initialize_parameters()
    shapes = {'W1': (25, 64), 'b1': (25, 1), 'W2': (12, 25), 'b2': (12, 1), 'W3': (6, 12), 'b3': (6, 1)}
    for name, shape in shapes.items():
        assert name in parameters, f'the parameters have no {name!r}'
        assert isinstance(parameters[name], tf.Variable), f'{name} should be a tf.Variable'
        assert tuple(parameters[name].shape) == shape, f'{name} should have shape {shape}, not {tuple(parameters[name].shape)}'
    assert abs(float(parameters['W1'][0, 0]) - 0.02158382) < 1e-06, 'W1[0, 0] should be 0.02158382: draw the values with GlorotNormal(seed=1)'

