"""`brainlab text serve` as a user runs it: a real uvicorn process on 127.0.0.1, slow and
vanishing clients, a model that does not load, and the page in a real headless Chromium."""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_serve_api import saved_model  # noqa: F401  (the module-scoped fixture)

httpx = pytest.importorskip("httpx")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "serve-page.png"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(model, *options):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "brainlab", "text", "serve", str(model),
                                "--port", str(port), *options],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if process.poll() is not None:
                raise AssertionError(f"the server stopped: {process.stderr.read()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield url, port
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(saved_model):  # noqa: F811
    with serving(saved_model) as running:
        yield running


def test_slow_and_vanishing_clients_do_not_stop_the_server(server):
    url, port = server
    slow = socket.create_connection(("127.0.0.1", port))
    slow.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 40\r\n\r\n{\"texts\": [")   # and then nothing, for now
    vanished = socket.create_connection(("127.0.0.1", port))
    vanished.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 30\r\n\r\n{\"texts\": [\"a")
    vanished.close()                                   # gone mid-request
    for _ in range(3):
        answer = httpx.post(url + "/predict", json={"texts": ["the striker scored"]}, timeout=30)
        assert answer.status_code == 200 and answer.json()["labels"] == ["sport"]
    slow.sendall(b'"bake bread"]}' + b" " * 15)    # the slow client finishes: 40 bytes
    reply = read_response(slow)
    slow.close()
    assert reply.startswith("HTTP/1.1 200") and '"food"' in reply
    assert httpx.get(url + "/health").status_code == 200


def read_response(connection):
    """The whole HTTP/1.1 response (headers and a Content-Length body) as text."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += connection.recv(65536)
    return (head + b"\r\n\r\n" + body).decode()


def test_it_binds_to_this_machine_only_by_default(server):
    url, _ = server
    assert url.startswith("http://127.0.0.1:")
    from brainlab.cli import build_parser

    args = build_parser().parse_args(["text", "serve", "model"])
    assert args.host == "127.0.0.1"


@pytest.mark.parametrize("argv, message", [
    (["text", "serve", "{missing}"], "not a saved brainlab text model"),
    (["text", "serve", "{model}", "--port", "{busy}"], "cannot listen there"),
    (["text", "serve", "{model}", "--port", "70000"], "argument --port: expected a port"),
    (["text", "serve", "{model}", "--max-wait-ms", "-1"], "argument --max-wait-ms"),
])
def test_bad_start_up_is_one_line_and_exit_2(argv, message, saved_model, tmp_path):  # noqa: F811
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        values = {"missing": tmp_path / "nothing", "model": saved_model,
                  "busy": busy.getsockname()[1]}
        argv = [a.format(**values) for a in argv]
        done = subprocess.run([sys.executable, "-m", "brainlab", *argv],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def chromium_paths():
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
    return browser, driver


@pytest.mark.skipif(None in chromium_paths(),
                    reason="Debian's chromium and chromium-driver are not installed (make test "
                    "installs them where apt is available)")
def test_the_page_labels_a_typed_text_and_a_file_in_chromium(server, tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    url, _ = server
    browser, driver = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--window-size=900,900"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(tmp_path)})
    chrome = webdriver.Chrome(service=webdriver.ChromeService(executable_path=driver),
                              options=options)
    try:
        chrome.get(url + "/")
        WebDriverWait(chrome, 30).until(
            lambda c: "classes:" in c.find_element(By.ID, "model").text)
        box = chrome.find_element(By.ID, "texts")
        box.send_keys("the striker scored a goal in the final\nbake bread with rosemary")
        chrome.find_element(By.ID, "label").click()
        labels = WebDriverWait(chrome, 30).until(
            expected_conditions.presence_of_all_elements_located((By.CSS_SELECTOR,
                                                                  "#results .label")))
        assert [label.text for label in labels] == ["sport", "food"]
        bars = chrome.find_elements(By.CSS_SELECTOR, "#results li:first-child .bar")
        assert len(bars) == 3 and "sport" in chrome.find_element(
            By.CSS_SELECTOR, "#results li:first-child .bar.top").text
        box.clear()
        chrome.find_element(By.ID, "label").click()   # nothing typed: the page says so
        assert "at least one text" in chrome.find_element(By.ID, "error").text
        gbk = tmp_path / "reviews.txt"   # as Excel saves text on Chinese Windows
        gbk.write_bytes("物流很快，质量不错\n这部电影太无聊了\n".encode("gbk"))
        chrome.find_element(By.ID, "file").send_keys(str(gbk))
        chrome.find_element(By.CSS_SELECTOR, "#file-form button").click()
        status = chrome.find_element(By.ID, "file-status")
        WebDriverWait(chrome, 30).until(lambda c: "GB18030" in status.text)
        Select(chrome.find_element(By.ID, "encoding")).select_by_value("gb18030")
        chrome.find_element(By.CSS_SELECTOR, "#file-form button").click()
        WebDriverWait(chrome, 30).until(lambda c: status.text.startswith("Done"))
        assert "reviews.labelled.csv" in status.text
        chrome.get(url + "/?lang=zh")   # the page in Chinese (also where the browser asks)
        WebDriverWait(chrome, 30).until(
            lambda c: "类别：" in c.find_element(By.ID, "model").text)
        assert chrome.find_element(By.TAG_NAME, "h1").text == "brainlab 文本分类"
        chrome.find_element(By.ID, "texts").send_keys("bake bread with rosemary")
        chrome.find_element(By.ID, "label").click()
        verdict = WebDriverWait(chrome, 30).until(expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, "#results li p:nth-of-type(2)")))
        assert verdict.text == "标签：food"
        if os.environ.get("BRAINLAB_SCREENSHOT"):   # docs/serve-page.png and its Chinese twin
            chrome.set_window_size(900, 1350)   # the file form too
            for query, path in (("", SCREENSHOT), ("?lang=zh", SCREENSHOT.with_suffix(".zh.png"))):
                chrome.get(f"{url}/{query}")
                WebDriverWait(chrome, 30).until(
                    lambda c: "loading" not in c.find_element(By.ID, "model").text)
                chrome.find_element(By.ID, "texts").send_keys(
                    "the striker scored a goal in the final\nbake bread with rosemary\n"
                    "a faster chip for the new laptop")
                chrome.find_element(By.ID, "label").click()
                WebDriverWait(chrome, 30).until(lambda c: len(
                    c.find_elements(By.CSS_SELECTOR, "#results .label")) == 3)
                chrome.save_screenshot(str(path))
    finally:
        chrome.quit()
