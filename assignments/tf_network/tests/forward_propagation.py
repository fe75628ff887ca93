from otter.test_files import test_case

OK_FORMAT = False

name = "forward_propagation"
points = 2

@test_case(points=None, hidden=False)
def test_forward_propagation(forward_propagation):
    import numpy as np
    import tensorflow as tf
    assert callable(forward_propagation), 'forward_propagation is not defined: run its cell'
    shapes = {'W1': (25, 64), 'b1': (25, 1), 'W2': (12, 25), 'b2': (12, 1), 'W3': (6, 12), 'b3': (6, 1)}
    parameters = {name: tf.Variable(tf.fill(shape, 0.1)) for name, shape in shapes.items()}
    parameters['b1'] = tf.Variable(tf.fill((25, 1), -1.0))
    X = tf.fill((64, 3), 0.5)
    Z3 = forward_propagation(X, parameters)
    assert tuple(Z3.shape) == (6, 3), f'Z3 should have shape (6, 3), not {tuple(Z3.shape)}'
    assert np.allclose(Z3.numpy(), 6.82, atol=0.0001), f'with every weight 0.1, b1 = -1, the other biases 0.1 and X = 0.5, Z3 should be 6.82 everywhere, not {Z3.numpy()[0, 0]:.4f}'
    parameters['b1'] = tf.Variable(tf.fill((25, 1), -5.0))
    Z3 = forward_propagation(X, parameters)
    assert np.allclose(Z3.numpy(), 0.22, atol=0.0001), f'with b1 = -5, Z1 is negative and the ReLU zeroes it: Z3 should be 0.22, not {Z3.numpy()[0, 0]:.4f}: is there a relu after Z1 and after Z2?'

