"""Running a parse (or a walk) on a thread with a large stack.

Parsers recurse on the C stack: LibCST's native parser on a few thousand nested operators
(`a and a and ...`, `((((...))))`), and before Python 3.11 `ast.parse` on a line of 100,000
`1+`s, overflow the main thread's 8 MB stack and kill the whole process with a segmentation
fault, which no `except` can catch. On a thread with a large stack those files become ordinary
results. The thread is started once per process and reused: a new thread per file would fault
in fresh stack pages every time (measured: 3 ms a file). Imports nothing heavy: large files
are parsed for their facts through it before Python 3.11.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

STACK_BYTES = 512 * 1024 * 1024
T = TypeVar("T")

_lock = threading.Lock()
_executor: Optional[ThreadPoolExecutor] = None
_executor_pid = 0  # a forked worker process must start its own thread


def _start_thread(executor: ThreadPoolExecutor) -> None:
    """Start the executor's one thread now, while the large stack size is in force."""
    previous = threading.stack_size(STACK_BYTES)
    try:
        executor.submit(int).result()
    finally:
        threading.stack_size(previous)


def _large_stack_executor() -> Optional[ThreadPoolExecutor]:
    global _executor, _executor_pid
    with _lock:
        if _executor is None or _executor_pid != os.getpid():
            # Imported here: a warm run imports this module and never parses (4 ms).
            from concurrent.futures import ThreadPoolExecutor

            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fastlint-parse")
            try:
                _start_thread(executor)
            except (RuntimeError, ValueError, MemoryError):
                return None  # no room for a large stack: run on the calling thread
            _executor, _executor_pid = executor, os.getpid()
        return _executor


def on_large_stack(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` on the large-stack thread (the caller waits); raises what it raises."""
    executor = _large_stack_executor()
    if executor is None:
        return function(*args)
    return executor.submit(function, *args).result()


# On the large stack, Python may recurse far deeper than the default limit of 1,000 frames
# (LibCST's code generation recurses a few frames per nesting level of the code).
DEEP_RECURSION_LIMIT = 50_000


def call_deep(function: Callable[..., T], *args: Any) -> T:
    """Call `function` on the large-stack thread with a raised recursion limit.

    The calling thread waits meanwhile, so the higher limit cannot overflow its smaller stack.
    """
    if _large_stack_executor() is None:
        return function(*args)

    def deep() -> T:
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous, DEEP_RECURSION_LIMIT))
        try:
            return function(*args)
        finally:
            sys.setrecursionlimit(previous)

    return on_large_stack(deep)
