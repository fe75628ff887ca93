"""Part 1: trainable_variables: the notebook's own w is what gets differentiated and updated.

This part judges which variables the step works on, not how the update went: that is
train_step's part. So whichever optimizer the pairs reach, and however often, each pair
naming the notebook's w earns this part's point; and when no pair reaches an optimizer
(train_step raised first, handed it something other than (gradient, variable) pairs, or
used none), the list train_step built is judged instead.
"""

from autograder.checks import part, points, require

pytestmark = part("trainable_variables")


@points(1.0)
def check_optimizer_updates_notebook_w(lab, hidden):
    """trainable_variables: the optimizer is handed the notebook's own w"""
    for run in [lab.train_step_from_zero(), *(lab.train_step(s) for s in hidden.starts)]:
        if not run.steps or not run.steps[0].pairs:
            built = run.built_list
            why = f" (train_step raised {run.error['type']})" if run.error else ""
            require(
                built is not None and built.only_target,
                f"From w = {run.start:g}, no (gradient, variable) pair reached"
                f" optimizer.apply_gradients{why}, and train_step built no list of exactly the"
                " notebook's w to hand it.",
            )
            continue
        for index, step in enumerate(run.steps):
            others = sum(not pair.variable_is_target for pair in step.pairs)
            require(
                others == 0,
                f"In step {index + 1} from w = {run.start:g}, the optimizer was asked to update"
                f" {others} variable(s) other than the notebook's w. trainable_variables must"
                " hold w itself: tf.Variable(w) would make a new, separate variable.",
            )


@points(1.0)
def check_trainable_variables_is_list_of_w(lab, tips):
    """trainable_variables: the variables to differentiate are exactly the notebook's w"""
    sources = lab.train_step_from_zero().built_list
    require(
        sources is not None,
        "train_step never built its list of trainable variables: no tape.gradient call and no"
        " local trainable_variables were seen.",
    )
    require(
        sources.is_list or sources.kind == "variable",
        "The variables to differentiate were given as something other than a variable or"
        " a list of variables: write trainable_variables = [w].",
    )
    require(
        sources.is_list or sources.only_target,
        "tape.gradient differentiated a single variable that is not the notebook's w: it"
        " should be exactly w, as in trainable_variables = [w].",
    )
    require(
        sources.only_target,
        f"The list of trainable variables held {len(sources.holds_target)} item(s)"
        f" {'including' if any(sources.holds_target) else 'but not'} the notebook's w; it should be"
        " exactly [w].",
    )
    if not sources.is_list:
        tips.append(
            "tape.gradient(cost, w) with w alone works here. The lab's form,"
            " trainable_variables = [w], is the one that carries over to models with many"
            " variables: tape.gradient returns a list to zip with the variables."
        )
