"""Reading an uploaded file in a child process with a memory and a CPU limit, waited for with a
timeout, so that no file can take the web or task worker that received it down.

Children are forked from a forkserver: a clean interpreter started once per worker process
(gunicorn worker, Celery pool process, test run) that has imported the readers but not Django,
holds no database connection and no request. Each file gets its own child, which is killed when
its time is up; the answer, or the reader's exception, comes back through a pipe.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import resource
import signal
from multiprocessing.process import AuthenticationString

from .budgets import Budget, too_much_memory, too_slow

# Imported by the forkserver once, so that each child starts with the readers loaded.
READERS = ["records.labels", "records.sheets"]

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(READERS)


def run(function, *args, budget: Budget):
    """``function(*args)`` computed in a child process within ``budget``'s seconds and memory.

    Returns its result or raises its exception (both must pickle). Raises OverBudget when the
    child runs out of time or memory, or dies, and never leaves the child running.
    """
    receiver, sender = _context.Pipe(duplex=False)
    with _allowed_to_have_children():
        child = _context.Process(
            target=_child, args=(sender, function, args, budget.memory_bytes, budget.seconds), daemon=True
        )
        child.start()
    sender.close()
    try:
        if not receiver.poll(budget.seconds):
            raise too_slow(budget)
        try:
            outcome, value = receiver.recv()
        except EOFError:  # the child died without answering
            child.join(1)
            raise (too_slow(budget) if child.exitcode == -signal.SIGXCPU else too_much_memory(budget)) from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if outcome == "memory":
        raise too_much_memory(budget)
    if outcome == "error":
        raise value
    return value


@contextlib.contextmanager
def _allowed_to_have_children():
    """Celery's prefork pool (billiard) marks its processes daemonic, and multiprocessing refuses
    children to a daemonic process lest they outlive it. This child cannot: it is killed and
    joined here whatever happens, and its CPU limit ends it even if this process is killed first.
    Billiard also leaves its own kind of authentication key, which multiprocessing cannot pass
    on; the process's own key is kept, as multiprocessing's kind."""
    config = multiprocessing.current_process()._config
    daemonic = config.get("daemon", False)
    config["daemon"] = False
    if not isinstance(config.get("authkey"), AuthenticationString):
        config["authkey"] = AuthenticationString(bytes(config.get("authkey") or os.urandom(32)))
    try:
        yield
    finally:
        config["daemon"] = daemonic


def _child(sender, function, args, memory_bytes, seconds):
    _limit(memory_bytes, seconds)
    try:
        answer = ("ok", function(*args))
    except MemoryError:
        answer = ("memory", None)
    except Exception as error:  # the reader's own refusal, or a bug: the caller sees it as if run here
        answer = ("error", error)
    try:
        sender.send(answer)
    except MemoryError:
        sender.send(("memory", None))
    except Exception as error:  # an exception that does not pickle
        sender.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))
    finally:
        sender.close()


def _limit(memory_bytes, seconds):
    """Cap the child's address space at what it uses now plus ``memory_bytes``, its CPU time
    just above ``seconds`` (the parent's clock is the one that counts), and write no core."""
    with open("/proc/self/statm") as statm:
        in_use = int(statm.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (in_use + memory_bytes, in_use + memory_bytes))
    cpu = math.ceil(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
