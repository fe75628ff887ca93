"""The tf_intro checks' fixtures: `lab` (an Observer) and `hidden` (this submission's inputs)."""

from autograder.labs.tf_intro.hidden_inputs import draw
from autograder.labs.tf_intro.observations import Observer
from autograder.tflab.observer import lab_fixtures

lab, hidden = lab_fixtures(Observer, draw)
