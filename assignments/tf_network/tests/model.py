from otter.test_files import test_case

OK_FORMAT = False

name = "model"
points = 4

@test_case(points=None, hidden=False)
def test_model(model):
    assert callable(model), 'model is not defined: run the cell that defines it'
    small_x, small_y = (x_train.take(64), new_y_train.take(64))
    parameters, costs, train_acc, test_acc = model(small_x, small_y, small_x, small_y, learning_rate=0.01, num_epochs=3, print_cost=False)
    assert len(costs) == 3, f'costs should hold one cost per epoch (3), not {len(costs)}'
    assert costs[-1] < costs[0], f'the cost should go down, but went from {costs[0]:.4f} to {costs[-1]:.4f}: are the gradients applied with optimizer.apply_gradients?'

