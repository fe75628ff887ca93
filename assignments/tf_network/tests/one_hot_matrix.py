from otter.test_files import test_case

OK_FORMAT = False

name = "one_hot_matrix"
points = 1

@test_case(points=None, hidden=False)
def test_one_hot_matrix(one_hot_matrix):
    import numpy as np
    import tensorflow as tf
    assert callable(one_hot_matrix), 'one_hot_matrix is not defined: run the cell that defines it'
    result = one_hot_matrix(tf.constant(1))
    assert result.shape == (6,), f'the shape should be (6,), not {tuple(result.shape)}: use tf.reshape'
    assert result.dtype == tf.float32, f'the dtype should be float32, not {result.dtype.name}'
    assert np.array_equal(result.numpy(), [0, 1, 0, 0, 0, 0]), f'one_hot_matrix(1) should be [0, 1, 0, 0, 0, 0], not {result.numpy().tolist()}'
    result = one_hot_matrix(tf.constant([2]), 4)
    assert np.array_equal(result.numpy(), [0, 0, 1, 0]), f'one_hot_matrix([2], C=4) should be [0, 0, 1, 0] of shape (4,), not {result.numpy().tolist()}: use the C passed in, and reshape to [C]'

