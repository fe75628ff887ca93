from otter.test_files import test_case

OK_FORMAT = False

name = "training"
points = 4

@test_case(points=None, hidden=False)
def test_training_moves_w_to_5(training):
    import numpy as np
    import tensorflow as tf
    assert callable(training), 'training is not defined: run the cell that defines it'
    x = np.array([1.0, -10.0, 25.0], dtype=np.float32)
    w = tf.Variable(0.0)
    result = training(x, w, tf.keras.optimizers.Adam(0.1))
    assert result is w, 'training should return the variable w it was given'
    value = float(w.numpy())
    assert value != 0.0, 'w did not move: does training call optimizer.minimize(cost_fn, [w])?'
    assert abs(value - 5.0) < 0.001, f'after training w should be about 5 (the minimum of J), but it is {value:.6f}: does the loop call optimizer.minimize 1000 times?'

