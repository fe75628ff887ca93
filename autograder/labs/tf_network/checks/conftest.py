"""The tf_network checks' fixtures: `lab` (an Observer) and `hidden` (this submission's inputs)."""

from autograder.labs.tf_network.hidden_inputs import draw
from autograder.labs.tf_network.observations import Observer
from autograder.tflab.observer import lab_fixtures

lab, hidden = lab_fixtures(Observer, draw)
