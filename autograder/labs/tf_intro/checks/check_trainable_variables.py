"""Part 1: trainable_variables is the list [w] of the notebook's current variable."""

from autograder.checks import CheckFailed, part, points, require

pytestmark = part("trainable_variables")


@points(1.0)
def check_optimizer_updates_notebook_w(lab, hidden):
    """trainable_variables: the optimizer is handed the notebook's current w itself"""
    for run in [lab.train_step_from_zero(), *(lab.train_step(s) for s in hidden.starts)]:
        if not run.steps or not run.steps[0].pairs:
            why = f" (train_step raised {run.error['type']})" if run.error else ""
            raise CheckFailed(
                f"From w = {run.start:g}, no (gradient, variable) pair reached"
                f" optimizer.apply_gradients{why}, so nothing was trained."
            )
        for index, step in enumerate(run.steps):
            require(
                len(step.pairs) == 1 and step.pairs[0].variable_is_w,
                f"In step {index + 1} from w = {run.start:g}, the optimizer was asked to update"
                f" {len(step.pairs)} variable(s), not just the notebook's w. trainable_variables"
                " must hold w itself: tf.Variable(w) would make a new, separate variable.",
            )


@points(1.0)
def check_trainable_variables_is_list_of_w(lab):
    """trainable_variables: the variables to differentiate are the list [w]"""
    run = lab.train_step_from_zero()
    first = run.steps[0] if run.steps else None
    sources = first.sources if first and first.sources else run.local_trainable_variables
    require(
        sources is not None,
        "train_step never built its list of trainable variables: no tape.gradient call and no"
        " local trainable_variables were seen.",
    )
    if sources.kind not in ("list", "tuple"):
        given = "a single variable" if sources.kind == "variable" else "something else"
        raise CheckFailed(
            f"The variables to differentiate were given as {given}, not a list:"
            " write trainable_variables = [w]."
        )
    require(
        sources.holds_w == (True,),
        f"The list of trainable variables held {len(sources.holds_w)} item(s)"
        f" {'including' if any(sources.holds_w) else 'but not'} the notebook's w; it should be"
        " exactly [w].",
    )
