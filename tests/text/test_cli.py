"""`brainlab text ...` end to end, and every bad input: one line on stderr, exit code 2."""
import codecs
import csv
import json
import shutil

import pytest

from brainlab.cli import main
from brainlab.text.encoders import default_model_path

from .conftest import small_rows, write_csv


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def error_lines(err):
    return [line for line in err.splitlines() if line.startswith("brainlab: error")]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A scratch model trained through the CLI, shared by the predict/evaluate tests."""
    root = tmp_path_factory.mktemp("trained")
    data = write_csv(root / "small.csv", small_rows())
    assert main(["text", "train", str(data), "--strategy", "scratch", "--out",
                 str(root / "model"), "--test-size", "0.25"]) == 0
    return root


def test_train_writes_a_model_and_summary(trained):
    model = trained / "model"
    assert {p.name for p in model.iterdir()} >= {"brainlab.json", "head", "README.md",
                                                  "summary.json"}
    summary = json.loads((model / "summary.json").read_text())
    assert summary["accuracy"] >= 0.9 and summary["strategy"] == "scratch"


def test_test_size_0_trains_on_every_label_and_scores_nothing(tmp_path, capsys):
    rows = small_rows() + [{"text": "the orchestra played a symphony", "label": "music"}]
    data = write_csv(tmp_path / "one-of-a-kind.csv", rows)
    code, _, err = run(capsys, "text", "train", data, "--strategy", "scratch", "--out",
                       tmp_path / "held")   # one "music" text cannot be split
    assert code == 2 and "'music': 1" in err and "--test-size 0" in err
    code, out, err = run(capsys, "text", "train", data, "--strategy", "scratch",
                         "--test-size", "0", "--out", tmp_path / "model")
    assert code == 0 and "accuracy" not in out
    assert f"{len(rows)} texts to train on, none held out" in err
    summary = json.loads((tmp_path / "model" / "summary.json").read_text())
    assert summary["accuracy"] is None and summary["train_size"] == len(rows)
    assert summary["test_size"] == 0
    assert "Held-out scores" not in (tmp_path / "model" / "README.md").read_text()
    code, out, _ = run(capsys, "text", "predict", tmp_path / "model", "--text",
                       "the striker scored a late goal in the football match")
    assert code == 0 and "sport" in out


def test_labels_that_are_numbers_get_a_hint_and_can_be_named(tmp_path, capsys):
    names = sorted({row["label"] for row in small_rows()})
    rows = [{"text": row["text"], "label": names.index(row["label"])} for row in small_rows()]
    data = write_csv(tmp_path / "numbers.csv", rows)
    code, _, err = run(capsys, "text", "train", data, "--test-size", "0", "--out",
                       tmp_path / "bare")
    assert code == 0 and "note: the labels (0, 1, 2) are not words" in err
    assert "--label-names 0=NAME,1=NAME,2=NAME" in err
    given = ",".join(f"{i}={name}" for i, name in enumerate(names))
    code, _, err = run(capsys, "text", "train", data, "--test-size", "0", "--label-names",
                       given, "--out", tmp_path / "named")
    assert code == 0 and "are not words" not in err
    card = (tmp_path / "named" / "README.md").read_text()
    assert f'"This is {names[0]}."' in card   # the names' sentences, not "This is 0."
    code, out, _ = run(capsys, "text", "predict", tmp_path / "named", "--text",
                       "the striker scored a late goal in the football match")
    assert code == 0 and out.splitlines()[0] == "row,label,p_0,p_1,p_2"   # the labels,
    assert out.splitlines()[1].split(",")[1] == str(names.index("sport"))   # not the names


def test_compare_with_label_names_scores_as_the_labels_written_as_words(tmp_path, capsys):
    names = sorted({row["label"] for row in small_rows()})
    words = write_csv(tmp_path / "words.csv", small_rows())
    numbers = write_csv(tmp_path / "numbers.csv", [
        {"text": row["text"], "label": names.index(row["label"])} for row in small_rows()])
    given = ",".join(f"{i}={name}" for i, name in enumerate(names))
    scores = []
    for data, extra in ((words, []), (numbers, ["--label-names", given]), (numbers, [])):
        out = tmp_path / data.stem / str(len(extra))
        code, _, err = run(capsys, "text", "compare", data, "--strategies", "features",
                           "--budgets", "2", "--seeds", "1", "--test-size", "0.5", "--out",
                           out, *extra)
        assert code == 0
        assert ("are not words" in err) == (data == numbers and not extra)
        scores.append(json.loads((out / "results.json").read_text())[0]["accuracy"])
    assert scores[0] == scores[1] != scores[2]   # two texts a class: the names decide


def test_predict_fails_on_a_missing_column_before_any_output(trained, tmp_path, capsys):
    data = write_csv(tmp_path / "body.csv", [{"body": "the striker scored"}], ("body",))
    code, out, err = run(capsys, "text", "predict", trained / "model", data)
    assert code == 2 and out == "" and "no column 'text'" in error_lines(err)[0]


def test_predict_one_text_and_a_file(trained, tmp_path, capsys):
    code, out, _ = run(capsys, "text", "predict", trained / "model", "--text",
                       "the striker scored a goal")
    assert code == 0
    header, row = list(csv.reader(out.splitlines()))
    assert header == ["row", "label", "p_food", "p_sport", "p_tech"] and row[1] == "sport"
    code, _, _ = run(capsys, "text", "predict", trained / "model", trained / "small.csv",
                     "--out", tmp_path / "p.jsonl")
    lines = (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()
    assert code == 0 and len(lines) == len(small_rows())
    assert set(json.loads(lines[0])["probabilities"]) == {"food", "sport", "tech"}


def test_evaluate_writes_report_and_png(trained, tmp_path, capsys):
    code, out, _ = run(capsys, "text", "evaluate", trained / "model", trained / "small.csv",
                       "--out", tmp_path / "report")
    assert code == 0 and "accuracy" in out
    assert (tmp_path / "report" / "confusion.png").read_bytes()[:4] == b"\x89PNG"
    assert "| sport |" in (tmp_path / "report" / "report.md").read_text()


def test_streaming_predict_writes_every_line_once_in_order(trained, tmp_path, capsys):
    big = tmp_path / "big.txt"
    words = ["goal match team", "phone chip software", "bread soup garlic"]
    big.write_text("".join(f"{words[i % 3]} {i}\n" for i in range(100_000)), encoding="utf-8")
    code, _, _ = run(capsys, "text", "predict", trained / "model", big, "--out",
                     tmp_path / "out.csv", "--chunk-size", "4096")
    assert code == 0
    with open(tmp_path / "out.csv", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    assert [int(r[0]) for r in rows] == list(range(1, 100_001))
    assert [r[1] for r in rows[:3]] == ["sport", "tech", "food"]


def _not_hf_model(tmp_path):
    folder = tmp_path / "not_a_model"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    return folder


def _corrupt_model(tmp_path):
    folder = tmp_path / "corrupt"
    shutil.copytree(default_model_path(), folder)
    (folder / "model.safetensors").write_bytes(b"\x00" * 64 + b"not safetensors")
    return folder


BAD_CASES = {
    "missing file": (lambda p: ["text", "train", p / "nope.csv", "--out", p / "m"],
                     "nope.csv: no such file"),
    "no strategy to compare": (lambda p: ["text", "compare", write_csv(p / "d.csv", small_rows()),
                                          "--strategies", ",", "--out", p / "m"],
                               "no strategy to compare"),
    "missing column": (lambda p: ["text", "train", write_csv(p / "d.csv", small_rows()),
                                  "--text-column", "body", "--out", p / "m"],
                       "no column 'body'"),
    "missing model directory": (lambda p: ["text", "train", write_csv(p / "d.csv", small_rows()),
                                           "--encoder", p / "no_such_model", "--out", p / "m"],
                                "no_such_model: no such directory"),
    "empty file": (lambda p: ["text", "train", _write(p / "e.csv", b""), "--out", p / "m"],
                   "the file is empty"),
    "not utf-8": (lambda p: ["text", "train", _write(p / "l.csv", "text,label\ncafé,a\n"
                                                     .encode("latin-1")), "--out", p / "m"],
                  "not UTF-8"),
    "gbk file": (lambda p: ["text", "train", _write(p / "g.csv", "text,label\n好,a\n差,b\n"
                                                   .encode("gbk")), "--out", p / "m"],
                 "pass --encoding gb18030"),
    "missing label": (lambda p: ["text", "train", _write(p / "n.csv", b"text,label\na,x\nb,\n"),
                                 "--out", p / "m"], "row 3, column 'label': missing label"),
    "a label-names label not in the data": (
        lambda p: ["text", "train", write_csv(p / "d.csv", small_rows()), "--label-names",
                   "sport=games,7=seven", "--out", p / "m"],
        "--label-names: 7 not among the labels of"),
    "compare, a label-names label not in the data": (
        lambda p: ["text", "compare", write_csv(p / "d.csv", small_rows()), "--label-names",
                   "7=seven", "--out", p / "m"],
        "--label-names: 7 not among the labels of"),
    "one class": (lambda p: ["text", "train", _write(p / "o.csv", b"text,label\na,x\nb,x\n"),
                             "--out", p / "m"], "only one class"),
    "class too small to split": (
        lambda p: ["text", "train", write_csv(p / "s.csv", small_rows() + [
            {"text": "lonely example", "label": "rare"}]), "--out", p / "m"],
        "{'rare': 1} have fewer than 2 examples"),
    "not a hugging face model": (
        lambda p: ["text", "train", write_csv(p / "d.csv", small_rows()), "--encoder",
                   _not_hf_model(p), "--out", p / "m"], "no config.json"),
    "corrupt weights": (
        lambda p: ["text", "train", write_csv(p / "d.csv", small_rows()), "--encoder",
                   _corrupt_model(p), "--out", p / "m"], "weights could not be loaded"),
    "predict with a non-model directory": (
        lambda p: ["text", "predict", _not_hf_model(p), "--text", "hi"],
        "not a saved brainlab text model"),
}


def _write(path, content):
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_is_one_line_and_exit_code_2(case, tmp_path, capsys):
    make_argv, message = BAD_CASES[case]
    code, _, err = run(capsys, *make_argv(tmp_path))
    assert code == 2
    lines = error_lines(err)
    assert len(lines) == 1 and message in lines[0], err
    assert "Traceback" not in err
    assert not (tmp_path / "m").exists()   # nothing that looks like a model was left


def test_empty_texts_are_skipped_with_a_warning(tmp_path, capsys):
    data = write_csv(tmp_path / "d.csv", small_rows() + [{"text": " ", "label": "food"}])
    code, _, err = run(capsys, "text", "train", data, "--strategy", "scratch", "--out",
                       tmp_path / "m")
    assert code == 0 and "skipped 1 empty text(s)" in err


def test_interrupted_training_leaves_no_model(tmp_path, monkeypatch, capsys):
    from brainlab.text import bundle

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(bundle, "model_card", crash)   # dies halfway through writing
    code, _, _ = run(capsys, "text", "train", write_csv(tmp_path / "d.csv", small_rows()),
                     "--strategy", "scratch", "--out", tmp_path / "m")
    assert code == 130
    assert [p.name for p in tmp_path.iterdir()] == ["d.csv"]


def test_train_refuses_to_replace_a_folder_that_is_not_a_model(tmp_path, capsys):
    mine = tmp_path / "my_notes"
    mine.mkdir()
    (mine / "thesis.txt").write_text("years of work")
    code, _, err = run(capsys, "text", "train", write_csv(tmp_path / "d.csv", small_rows()),
                       "--strategy", "scratch", "--out", mine)
    assert code == 2 and "already exists and is not a saved model" in err
    assert [p.name for p in mine.iterdir()] == ["thesis.txt"]


@pytest.mark.parametrize("argv,message", [
    (["text", "train", "bbc-news", "--out", "m", "--seed", "-5"],
     "argument --seed: expected a non-negative integer, got '-5'"),
    (["text", "train", "bbc-news", "--out", "m", "--test-size", "1.5"],
     "argument --test-size: expected a fraction from 0 to below 1 (0: hold nothing out), got '1.5'"),
    (["text", "train", "bbc-news", "--out", "m", "--encoding", "utf-9"],
     "argument --encoding: expected a text encoding such as utf-8, gb18030 or big5, got "
     "'utf-9'"),
    (["text", "predict", "m", "--text", "hi", "--chunk-size", "0"],
     "argument --chunk-size: expected a positive integer, got '0'"),
    (["text", "compare", "bbc-news", "--out", "r", "--max-length", "ten"],
     "argument --max-length: expected an integer, got 'ten'"),
    (["nn", "xor", "--epochs", "0"], "argument --epochs: expected a positive integer"),
    (["text", "compare", "bbc-news", "--out", "r", "--test-per-class", "0"],
     "argument --test-per-class: expected a positive integer, got '0'"),
    (["demo", "imdb"], "argument data: invalid choice: 'imdb'"),
    (["text", "train", "bbc-news", "--out", "m", "--label-names", "0:negative"],
     "argument --label-names: expected LABEL=NAME pairs separated by commas"),
])
def test_a_bad_number_names_its_flag(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err, err


def test_a_gbk_file_is_read_and_its_labels_written_back_in_gbk(tmp_path, capsys):
    rows = [("这个手机很好用，电池也耐用", "好评"), ("物流很快，包装完好", "好评"),
            ("质量太差了，用了两天就坏", "差评"), ("客服态度恶劣，不推荐", "差评")] * 3
    data = tmp_path / "reviews.csv"   # as Excel saves a CSV on Chinese Windows
    data.write_bytes(("text,label\n" + "".join(f"{t},{y}\n" for t, y in rows)).encode("gbk"))
    code, _, _ = run(capsys, "text", "train", data, "--encoding", "gb18030", "--strategy",
                     "scratch", "--test-size", "0.34", "--out", tmp_path / "m")
    assert code == 0
    texts = tmp_path / "new.txt"
    texts.write_bytes("电池很耐用\n太差了，不推荐\n".encode("gbk"))
    code, _, _ = run(capsys, "text", "predict", tmp_path / "m", texts, "--encoding", "gbk",
                     "--out", tmp_path / "labels.csv")
    assert code == 0
    lines = (tmp_path / "labels.csv").read_bytes().decode("gbk").splitlines()
    assert lines[0] == "row,label,p_好评,p_差评" and len(lines) == 3
    # a class name the chosen encoding cannot hold: one error line, no output file
    ascii_texts = tmp_path / "plain.txt"
    ascii_texts.write_text("ok\n", encoding="ascii")
    code, _, err = run(capsys, "text", "predict", tmp_path / "m", ascii_texts, "--encoding",
                       "latin-1", "--out", tmp_path / "latin.csv")
    assert code == 2 and "cannot be written in latin-1" in error_lines(err)[0]
    assert not (tmp_path / "latin.csv").exists()
    # Excel's "CSV UTF-8" starts with a byte-order mark: the labels go back with it, the
    # JSON Lines and a file without the mark without
    marked = tmp_path / "marked.txt"
    marked.write_bytes("电池很耐用\n".encode("utf-8-sig"))
    plain = tmp_path / "plain-utf8.txt"
    plain.write_bytes("电池很耐用\n".encode("utf-8"))
    for source, out, mark in [(marked, "marked.csv", True), (marked, "marked.jsonl", False),
                              (plain, "plain.csv", False)]:
        code, _, _ = run(capsys, "text", "predict", tmp_path / "m", source,
                         "--out", tmp_path / out)
        written = (tmp_path / out).read_bytes()
        assert code == 0 and written.startswith(codecs.BOM_UTF8) == mark, out
        text = written.decode("utf-8-sig")
        assert "\ufeff" not in text and text.startswith("{" if out.endswith("jsonl") else
                                                          "row,label,p_好评"), out
