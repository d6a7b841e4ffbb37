"""compare's budgets: one that draws the whole training part is run once, as 'all'."""
from brainlab.text.compare import drawn_budgets, run_compare
from brainlab.text.data import Dataset

from .conftest import small_rows


def _data():
    rows = small_rows()   # 24 texts in each of 3 classes
    return Dataset([r["text"] for r in rows], [r["label"] for r in rows], "small")


def test_budgets_that_hold_every_training_text_become_all():
    train = Dataset(["a"] * 5 + ["b"] * 3, ["x"] * 5 + ["y"] * 3)
    assert drawn_budgets([1, 4, 5, 8, "all"], train) == ([1, 4, "all"], [5, 8], 5)
    assert drawn_budgets([2, 64], train) == ([2, "all"], [64], 5)


def test_compare_runs_a_budget_past_the_data_once(tmp_path, capsys):
    rows, _ = run_compare(_data(), tmp_path, strategies=["scratch"], budgets=[4, 32, 128, "all"],
                          small_budget_seeds=2, small_budget=32, test_size=0.25)
    assert [(r["budget"], r["seed"]) for r in rows] == [(4, 0), (4, 1), ("all", 0)]
    assert "budgets 32, 128 per class hold every training text (the largest class has 18)" \
        in capsys.readouterr().err
