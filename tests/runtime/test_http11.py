"""The HTTP/1.1 answer parser (bot/runtime/http11.py): every framing the Bot API may use."""

from __future__ import annotations

import pytest

from bot.runtime.http11 import BadResponse, Target, _parse


def _answer(raw: bytes, eof: bool = False) -> tuple[tuple[int, bytes, bool] | None, bytes]:
    buffer = bytearray(raw)
    return _parse(buffer, eof), bytes(buffer)


def test_a_content_length_answer_is_complete_at_its_length_and_nothing_more() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
    assert _answer(head + b'{"ok":true')[0] is None  # one byte short
    answer, left = _answer(head + b'{"ok":true}')
    assert answer == (200, b'{"ok":true}', True) and left == b""


def test_a_chunked_answer_is_complete_after_its_last_chunk_and_trailers() -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    body = b'4\r\n{"ok\r\n7;ext=1\r\n":true}\r\n0\r\n'
    assert _answer(head + body)[0] is None  # the empty line after the last chunk is missing
    assert _answer(head + body + b"\r\n")[0] == (200, b'{"ok":true}', True)
    assert _answer(head + body + b"X-Trailer: 1\r\n\r\n")[0] == (200, b'{"ok":true}', True)
    with pytest.raises(BadResponse, match="chunk size"):
        _answer(head + b"zz\r\n")


def test_an_answer_without_length_ends_when_the_server_closes_and_is_not_kept() -> None:
    raw = b"HTTP/1.0 200 OK\r\n\r\n{}"
    assert _answer(raw)[0] is None
    assert _answer(raw, eof=True)[0] == (200, b"{}", False)


def test_connection_close_and_http_1_0_are_not_kept() -> None:
    raw = b"HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
    assert _answer(raw)[0] == (429, b"{}", False)


def test_an_interim_answer_is_skipped() -> None:
    raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
    assert _answer(raw)[0] == (204, b"", True)


def test_what_is_not_http_is_a_bad_response() -> None:
    with pytest.raises(BadResponse, match=r"HTTP/1\.x"):
        _answer(b"SSH-2.0-OpenSSH\r\n\r\n")
    with pytest.raises(BadResponse, match="too long"):
        _answer(b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 20_000)


def test_a_target_is_its_origin_path_and_host_header() -> None:
    local = Target.of("http://127.0.0.1:8081/bot123:ABC/sendMessage?x=1")
    assert local.origin == ("http", "127.0.0.1", 8081)
    assert local.path == b"/bot123:ABC/sendMessage?x=1" and local.host_header == b"127.0.0.1:8081"
    telegram = Target.of("https://api.telegram.org/bot1:T/getMe")
    assert telegram.origin == ("https", "api.telegram.org", 443)
    assert telegram.host_header == b"api.telegram.org"
    assert Target.of("http://[::1]:8081/bot1:T/getMe").host_header == b"[::1]:8081"
    with pytest.raises(BadResponse):
        Target.of("ftp://example.org/x")
