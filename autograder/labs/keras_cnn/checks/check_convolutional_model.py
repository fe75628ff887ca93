"""Part 2: convolutional_model(input_shape), a Functional six-class classifier built for any
input shape it is given."""

from autograder.checks import part, points
from autograder.labs.keras_cnn import reference
from autograder.labs.keras_cnn.hidden_inputs import NOTEBOOK_SHAPE
from autograder.labs.keras_cnn.observations import MULTICLASS_ACCURACY
from autograder.tflab.keras_judging import require_layers, require_learns, require_shapes

pytestmark = part("convolutional_model")


@points(2.0)
def check_layers_in_order(lab, hidden):
    """convolutional_model: for 8×8×1 images, its layers in order, settings, shapes, parameters"""
    model = lab.model("convolutional_model", [list(NOTEBOOK_SHAPE)], hidden.seed)
    what = f"convolutional_model({NOTEBOOK_SHAPE})"
    require_layers(model, reference.convolutional_model(NOTEBOOK_SHAPE), what)


@points(2.0)
def check_other_input_shapes(lab, hidden):
    """convolutional_model: built for other input shapes, every layer has the right shape"""
    for shape in hidden.shapes:
        model = lab.model("convolutional_model", [list(shape)], hidden.seed)
        require_shapes(model, reference.convolutional_model(shape), f"convolutional_model({shape})")


@points(2.0)
def check_learns_six_digits(lab, hidden):
    """convolutional_model: trained on hidden digits 0 to 5, the loss falls and it learns"""
    report = lab.fit("convolutional_model", [list(NOTEBOOK_SHAPE)], hidden, binary=False)
    require_learns(report, MULTICLASS_ACCURACY, "convolutional_model((8, 8, 1)) trained")
