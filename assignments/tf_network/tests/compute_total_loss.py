from otter.test_files import test_case

OK_FORMAT = False

name = "compute_total_loss"
points = 2

@test_case(points=None, hidden=False)
def test_compute_total_loss(compute_total_loss):
    import numpy as np
    import tensorflow as tf
    assert callable(compute_total_loss), 'compute_total_loss is not defined: run its cell'
    logits = tf.constant([[2.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    labels = tf.constant([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    total = compute_total_loss(logits, labels)
    expected = -np.log(np.exp(2) / (np.exp(2) + 5)) - np.log(np.exp(1) / (np.exp(1) + 5))
    assert tuple(total.shape) == (), f'the total loss should be a scalar, not of shape {tuple(total.shape)}'
    assert abs(float(total) - expected / 2) > 0.001, 'that is the mean: return the sum over the examples'
    assert abs(float(total) - expected) < 0.0001, f'the total loss should be {expected:.5f}, not {float(total):.5f}: transpose both to (m, 6) and use from_logits=True'

