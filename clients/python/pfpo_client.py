"""Stream preference pairs from a running pfpo server into a training script.

One file, standard library only: copy it next to your training code.

    from pfpo_client import iter_pairs

    for pair in iter_pairs("http://127.0.0.1:8787", after=0):
        print(pair["seq"], pair["prompt"], pair["chosen"], pair["rejected"])

``iter_pairs`` reads ``GET /v1/pairs/stream`` (NDJSON): first the pairs already
written, then each new pair as the run commits it, and it returns when the run has
finished. A dropped connection is resumed after the last ``seq`` received, with a
capped, jittered exponential backoff; pairs already yielded (same ``seq`` or same
``id``) are skipped, so every pair arrives exactly once. Save ``pair["seq"]`` with your
checkpoint and pass it back as ``after=`` to resume a restarted trainer.

Data-parallel ranks split the stream without overlap with ``shard=rank,
shards=world_size`` (pairs with ``seq % shards == shard``); ``worker_shard`` also
splits a rank's share between torch ``DataLoader`` workers.

It works as a Hugging Face ``datasets.IterableDataset.from_generator`` source (pass the
arguments through ``gen_kwargs``) and inside a torch ``IterableDataset.__iter__``.

Step-level pairs (``pair["level"] == "step"``) compare two partial solutions: a
prefix is not a finished answer, so the trainer must not end it with an
end-of-sequence token. ``level="step"`` / ``level="solution"`` stream one level only;
``replay_ratio=r`` streams every step pair and a share ``r`` of the solution pairs
(the paper trains them together with ``r = 1.0``). ``drop_step_eos`` removes the
end-of-sequence token a DPO trainer appended to a step pair's tokens (see the
README's TRL example).

Run as a script it prints the pairs as NDJSON::

    python3 pfpo_client.py http://127.0.0.1:8787 --after 120 --shard 0 --shards 2
"""

from __future__ import annotations

import collections
import http.client
import json
import logging
import os
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Iterator, Optional, Sequence, Tuple

__all__ = [
    "PairClientError",
    "ServerUnreachableError",
    "drop_step_eos",
    "iter_pairs",
    "worker_shard",
    "TOKEN_ENV",
]

logger = logging.getLogger("pfpo_client")
"""Reconnects are logged here as warnings (shown on stderr unless logging is configured)."""

TOKEN_ENV = "PFPO_TOKEN"
"""Environment variable read for the bearer token when none is given."""

_RETRYABLE = {408, 409, 425, 429}


class PairClientError(Exception):
    """The server refused the request, or the stream could not be resumed."""

    def __init__(self, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.status = status


class ServerUnreachableError(PairClientError):
    """The server could not be reached (or kept dropping the stream) until the retries
    or the deadline ran out. Not the same as the run having ended: then ``iter_pairs``
    simply returns."""


class _Dropped(Exception):
    """The connection ended before the run finished."""


def iter_pairs(
    url: str,
    after: int = 0,
    shard: Optional[int] = None,
    shards: Optional[int] = None,
    token: Optional[str] = None,
    *,
    level: Optional[str] = None,
    replay_ratio: Optional[float] = None,
    min_confidence: Optional[float] = None,
    fields: Optional[Sequence[str]] = None,
    backoff: float = 0.25,
    max_backoff: float = 10.0,
    max_retries: Optional[int] = 20,
    deadline: Optional[float] = 600.0,
    idle_timeout: float = 60.0,
    dedup_window: int = 100_000,
    on_reconnect: Optional[Callable[[int, float, int, BaseException], None]] = None,
) -> Iterator[Dict[str, Any]]:
    """Yield the pairs of a pfpo server, from ``seq > after`` until the run finishes.

    The generator returns when the server says the run has ended (the stream's end
    line). When the server cannot be reached, or keeps dropping the stream, it
    reconnects with backoff, logging each attempt on the ``pfpo_client`` logger, and
    raises ``ServerUnreachableError`` after ``max_retries`` failed attempts in a row or
    ``deadline`` seconds without a line from the server, whichever comes first.

    Args:
        url: The server's base URL, e.g. ``http://127.0.0.1:8787``.
        after: Resume after this ``seq`` (the last one your trainer saved). Default 0.
        shard: This rank's shard, with ``shards``: pairs with ``seq % shards == shard``.
        shards: Number of shards (data-parallel ranks). Default: no sharding.
        token: Bearer token; default the ``PFPO_TOKEN`` environment variable.
        level: ``"step"`` or ``"solution"``: only pairs of that level. Default: both.
        replay_ratio: Every step pair and this share (0 to 1) of the solution pairs,
            the same ones on every reconnect and every rank. Not with ``level``.
        min_confidence: Only pairs whose ``confidence`` (the estimated probability
            that chosen is right and rejected wrong) is at least this, 0 to 1.
        fields: Keep only these keys of each pair, e.g. ``("prompt", "chosen",
            "rejected")`` for TRL. Default: every key.
        backoff: First reconnect delay in seconds; doubles per failed attempt.
        max_backoff: Longest reconnect delay in seconds.
        max_retries: Consecutive failed attempts before giving up. Default 20;
            ``None``: no limit.
        deadline: Seconds without a line from the server (pair, heartbeat or
            end) before giving up. Default 600; ``None``: no limit.
        idle_timeout: Seconds of silence (no pair, no heartbeat) that count as a
            dropped connection. Keep it above the server's heartbeat interval.
        dedup_window: How many recent pair ids are remembered to drop duplicates.
        on_reconnect: Called as ``(attempt, delay_s, after, error)`` before a retry.
            Default: a warning on the ``pfpo_client`` logger.

    Raises:
        PairClientError: The server refused the request (bad parameter, bad token).
        ServerUnreachableError: The retries or the deadline ran out.
    """
    if (shard is None) != (shards is None):
        raise ValueError("shard and shards go together")
    if level is not None and replay_ratio is not None:
        raise ValueError("level and replay_ratio do not go together")
    if min_confidence is not None and not 0 <= min_confidence <= 1:
        raise ValueError("min_confidence must be between 0 and 1")
    if token is None:
        token = os.environ.get(TOKEN_ENV) or None
    seen: "collections.OrderedDict[str, None]" = collections.OrderedDict()
    attempt = 0
    last_contact = time.monotonic()
    while True:
        retry_after: Optional[float] = None
        try:
            response = _open(
                url, after, shard, shards, level, replay_ratio, min_confidence, token, idle_timeout
            )
            with response:
                for line in _lines(response):
                    message = json.loads(line)
                    attempt = 0  # the server is sending: the next drop starts a fresh backoff
                    last_contact = time.monotonic()
                    event = message.get("event")
                    if event == "end":
                        return
                    if event is not None:
                        continue
                    seq = message["seq"]
                    if seq <= after:
                        continue
                    after = seq
                    if message["id"] in seen:
                        continue
                    seen[message["id"]] = None
                    if len(seen) > dedup_window:
                        seen.popitem(last=False)
                    yield {k: message[k] for k in fields} if fields else message
            failure: BaseException = _Dropped("the pair stream ended before the run finished")
        except urllib.error.HTTPError as error:
            status = error.code
            detail = _error_detail(error)
            if not (status in _RETRYABLE or status >= 500):
                raise PairClientError(
                    f"Cannot stream pairs from {url}: HTTP {status}{detail}", status
                ) from None
            retry_after = _retry_after(error.headers.get("Retry-After"))
            failure = error
        except (_Dropped, OSError, http.client.HTTPException, ValueError, KeyError) as error:
            # Connection refused or reset, socket timeout, truncated chunk, bad line.
            failure = error
        attempt += 1
        silent = time.monotonic() - last_contact
        delay = retry_after if retry_after is not None else _backoff(attempt, backoff, max_backoff)
        out_of_tries = max_retries is not None and attempt > max_retries
        out_of_time = deadline is not None and silent + delay > deadline
        if out_of_tries or out_of_time:
            limit = f"{max_retries} retries" if out_of_tries else f"the {deadline:g} s deadline"
            raise ServerUnreachableError(
                f"Cannot reach the pfpo server at {url}: gave up after {limit} "
                f"({silent:.0f} s without a line; last error: {failure}); the run may still "
                f"be going: resume with after={after}"
            ) from failure
        if on_reconnect is not None:
            on_reconnect(attempt, delay, after, failure)
        else:
            logger.warning(
                "pfpo server %s: %s; reconnecting after seq %d in %.1f s (attempt %d)",
                url, failure, after, delay, attempt,
            )
        time.sleep(delay)


def worker_shard(shard: int = 0, shards: int = 1) -> Tuple[int, int]:
    """Split a rank's shard further between torch ``DataLoader`` workers.

    Called inside a worker, it returns the ``(shard, shards)`` pair for that worker;
    outside a worker (or without torch) it returns its arguments unchanged.
    """
    try:
        from torch.utils.data import get_worker_info  # type: ignore
    except ImportError:
        return shard, shards
    info = get_worker_info()
    if info is None:
        return shard, shards
    return shard * info.num_workers + info.id, shards * info.num_workers


def drop_step_eos(row: Dict[str, Any], pair: Dict[str, Any], eos_token_id: int) -> Dict[str, Any]:
    """Remove the end-of-sequence token a trainer appended to a step pair's tokens.

    ``row`` is a tokenized DPO row (TRL's ``chosen_input_ids``/``rejected_input_ids``,
    or ``chosen_ids``/``rejected_ids``); ``pair`` the pair it came from (it needs its
    ``level``). Solution pairs are returned unchanged: they end with the token.
    """
    if pair.get("level") != "step":
        return row
    for key in ("chosen_input_ids", "rejected_input_ids", "chosen_ids", "rejected_ids"):
        ids = row.get(key)
        if ids is not None and len(ids) > 0 and ids[-1] == eos_token_id:
            row[key] = list(ids[:-1])
    return row


def _open(url, after, shard, shards, level, replay_ratio, min_confidence, token, timeout):
    query = {"after": str(after)}
    if shards is not None:
        query["shard"] = str(shard)
        query["shards"] = str(shards)
    if level is not None:
        query["level"] = level
    if replay_ratio is not None:
        query["replay_ratio"] = str(replay_ratio)
    if min_confidence is not None:
        query["min_confidence"] = str(min_confidence)
    target = url.rstrip("/") + "/v1/pairs/stream?" + urllib.parse.urlencode(query)
    request = urllib.request.Request(target, headers={"Accept": "application/x-ndjson"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    return urllib.request.urlopen(request, timeout=timeout)


def _lines(response) -> Iterator[str]:
    while True:
        raw = response.readline()
        if not raw:
            return
        if not raw.endswith(b"\n"):
            raise _Dropped("the pair stream was cut mid-line")
        line = raw.strip()
        if line:
            yield line.decode("utf-8")


def _backoff(attempt: int, base: float, cap: float) -> float:
    full = min(cap, base * 2 ** (attempt - 1))
    return full * (1 - random.random() * 0.25)


def _retry_after(value: Optional[str]) -> Optional[float]:
    if value is None:
        return None
    try:
        return min(max(0.0, float(value)), 60.0)
    except ValueError:
        return None


def _error_detail(error: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(error.read() or b"{}")
    except (ValueError, OSError):
        return ""
    message = body.get("error") if isinstance(body, dict) else None
    return f": {message}" if isinstance(message, str) else ""


def _main(argv: Sequence[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Print a pfpo server's pairs as NDJSON.")
    parser.add_argument("url")
    parser.add_argument("--after", type=int, default=0)
    parser.add_argument("--shard", type=int)
    parser.add_argument("--shards", type=int)
    parser.add_argument("--token")
    parser.add_argument("--level", choices=["step", "solution"])
    parser.add_argument("--replay-ratio", type=float)
    parser.add_argument("--min-confidence", type=float)
    parser.add_argument("--limit", type=int, help="stop after this many pairs")
    parser.add_argument("--backoff", type=float, default=0.25)
    parser.add_argument("--max-retries", type=int, default=20)
    parser.add_argument("--deadline", type=float, default=600.0)
    args = parser.parse_args(argv)

    def report(attempt: int, delay: float, after: int, error: BaseException) -> None:
        print(f"reconnecting after seq {after} (attempt {attempt}): {error}", file=sys.stderr)

    count = 0
    last = args.after
    try:
        for pair in iter_pairs(
            args.url,
            args.after,
            args.shard,
            args.shards,
            args.token,
            level=args.level,
            replay_ratio=args.replay_ratio,
            min_confidence=args.min_confidence,
            backoff=args.backoff,
            max_retries=args.max_retries,
            deadline=args.deadline,
            on_reconnect=report,
        ):
            sys.stdout.write(json.dumps(pair, ensure_ascii=False) + "\n")
            sys.stdout.flush()
            count += 1
            last = pair["seq"]
            if args.limit is not None and count >= args.limit:
                return 0
    except ServerUnreachableError as error:
        print(error, file=sys.stderr)
        return 3
    except PairClientError as error:
        print(error, file=sys.stderr)
        return 1
    except (KeyboardInterrupt, BrokenPipeError):
        return 130
    print(f"The run has ended: {count} pairs, last seq {last}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
