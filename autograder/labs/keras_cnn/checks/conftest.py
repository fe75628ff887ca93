"""The keras_cnn checks' fixtures: `lab` (an Observer) and `hidden` (this submission's inputs)."""

from autograder.labs.keras_cnn.hidden_inputs import draw
from autograder.labs.keras_cnn.observations import Observer
from autograder.tflab.observer import lab_fixtures

lab, hidden = lab_fixtures(Observer, draw)
