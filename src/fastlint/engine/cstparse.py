"""LibCST parsing that survives deeply nested code.

LibCST's native parser recurses on the C stack: a few thousand nested operators (`a and a and
...`, `((((...))))`) overflow the main thread's 8 MB stack and kill the whole process with a
segmentation fault, which no `except` can catch. Parsing on a thread with a large stack turns
those files into ordinary results. The thread is started once per process and reused: a new
thread per file would fault in fresh stack pages every time (measured: 3 ms a file).
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional, TypeVar

import libcst as cst
from libcst import CSTNode

PARSER_STACK_BYTES = 512 * 1024 * 1024
T = TypeVar("T")

_lock = threading.Lock()
_executor: Optional[ThreadPoolExecutor] = None
_executor_pid = 0  # a forked worker process must start its own thread


def _start_thread(executor: ThreadPoolExecutor) -> None:
    """Start the executor's one thread now, while the large stack size is in force."""
    previous = threading.stack_size(PARSER_STACK_BYTES)
    try:
        executor.submit(int).result()
    finally:
        threading.stack_size(previous)


def _parser_executor() -> Optional[ThreadPoolExecutor]:
    global _executor, _executor_pid
    with _lock:
        if _executor is None or _executor_pid != os.getpid():
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fastlint-parse")
            try:
                _start_thread(executor)
            except (RuntimeError, ValueError, MemoryError):
                return None  # no room for a large stack: parse on the calling thread
            _executor, _executor_pid = executor, os.getpid()
        return _executor


def parse_module(text: str, *, validate: bool = True) -> cst.Module:
    """`libcst.parse_module` on the large-stack thread; raises what it raises.

    `validate=False` is for code Python's own parser has accepted (see `_parse_unvalidated`).
    """
    parse = cst.parse_module if validate or not _validation_can_be_skipped() else _parse_unvalidated
    executor = _parser_executor()
    if executor is None:
        return parse(text)
    return executor.submit(parse, text).result()


def _no_validation(node: CSTNode) -> None:
    pass


def _parse_unvalidated(text: str) -> cst.Module:
    """Parse without checking each new node's fields (`CSTNode.__post_init__` → `_validate`).

    The checks are for trees built by hand; on a parse of code Python accepts they find
    nothing and cost ~17% of the parse. Node construction happens on this thread only while
    the calling thread waits for the parse, so no other tree is built meanwhile.
    """
    validating = CSTNode.__post_init__
    CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign, assignment]
    try:
        return cst.parse_module(text)
    finally:
        CSTNode.__post_init__ = validating  # type: ignore[method-assign]


@functools.lru_cache(maxsize=1)
def _validation_can_be_skipped() -> bool:
    """Whether node validation is where this LibCST keeps it: one `__post_init__` on
    `CSTNode`, which no node class overrides. Otherwise every parse validates."""
    if "__post_init__" not in CSTNode.__dict__:
        return False
    pending = list(CSTNode.__subclasses__())
    while pending:
        node_class = pending.pop()
        if "__post_init__" in node_class.__dict__:
            return False
        pending.extend(node_class.__subclasses__())
    return True


# On the large stack, Python may recurse far deeper than the default limit of 1,000 frames
# (LibCST's code generation recurses a few frames per nesting level of the code).
DEEP_RECURSION_LIMIT = 50_000


def call_deep(function: Callable[..., T], *args: Any) -> T:
    """Call `function` on the large-stack thread with a raised recursion limit.

    The calling thread waits meanwhile, so the higher limit cannot overflow its smaller stack.
    """
    executor = _parser_executor()
    if executor is None:
        return function(*args)

    def deep() -> T:
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous, DEEP_RECURSION_LIMIT))
        try:
            return function(*args)
        finally:
            sys.setrecursionlimit(previous)

    return executor.submit(deep).result()
