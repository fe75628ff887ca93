from otter.test_files import test_case

OK_FORMAT = False

name = "train_step"
points = 4

@test_case(points=None, hidden=False)
def test_train_step_moves_w_to_5(train_step):
    import tensorflow as tf
    assert callable(train_step), 'train_step is not defined: run the cell that defines it'
    env = train_step.__globals__
    saved = {name: env[name] for name in ('w', 'optimizer') if name in env}
    env['w'] = w = tf.Variable(0.0)
    env['optimizer'] = tf.keras.optimizers.Adam(0.1)
    try:
        train_step()
        after_one = float(w.numpy())
        for _ in range(999):
            train_step()
        after_1000 = float(w.numpy())
    finally:
        env.pop('w', None)
        env.pop('optimizer', None)
        env.update(saved)
    assert after_one != 0.0, 'w did not move: does train_step call optimizer.apply_gradients?'
    assert abs(after_one - 0.0999993) < 1e-05, f'one step from w = 0 should move w to about 0.1, but it moved to {after_one:.7f}: are the gradients those of the cost with respect to [w]?'
    assert abs(after_1000 - 5.0) < 0.001, f'1000 steps should bring w to about 5 (the minimum of J), but w is {after_1000:.6f}: is the cost w ** 2 - 10 * w + 25?'

