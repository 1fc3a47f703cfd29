"""Benchmark 6, Python side: the kNN top-10 workload of benchmark 3 with joblib (loky) + numpy.

Driven by 6-python-joblib.ts, which writes the item matrix and user vectors (the same LCG data as
bench/parallel/knn.ts) to one raw float32 file: items (n x dim) followed by users (users x dim).
Prints one JSON object on stdout.

  knn  --data F --n N --dim D --users U [--workers W] [--chunk C]
       serial ms (main process, BLAS limited to 1 thread) and warm parallel ms (loky pool already started,
       items passed as a read-only np.memmap of a joblib.dump, BLAS limited to 1 thread inside each worker
       with threadpoolctl): one delayed call per user with joblib's default batch_size="auto", and tasks of
       C users each; plus the top-10 ids of every user for cross-checking.
  ttfr --data F --n N --dim D --rows R --how dump|auto [--workers W]
       time to first result with an R x dim model (R = 1,048,576 -> 1 GiB) built in memory by tiling the
       items: fresh process, so the loky pool starts cold. "dump": joblib.dump + joblib.load(mmap_mode="r")
       then Parallel; "auto": the in-memory array passed to Parallel, joblib memmaps it itself (max_nbytes).
       Also the serial time of one user on that matrix, to separate overhead from compute.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import threadpoolctl
from joblib import Parallel, delayed, dump, load
from threadpoolctl import threadpool_limits

K = 10


def _limit_blas_once():
    # Inside a loky worker: limit BLAS to 1 thread the first time, and keep it (the sentinel lives on the
    # threadpoolctl module so it survives cloudpickle re-creating this function's globals per task).
    if not getattr(threadpoolctl, "_bench6_limited", None):
        threadpoolctl._bench6_limited = threadpool_limits(limits=1, user_api="blas")


def topk(items, u):
    s = items @ u  # sgemv
    idx = np.argpartition(s, -K)[-K:]
    return idx[np.argsort(-s[idx], kind="stable")].astype(np.int32)


def topk_worker(items, u):
    _limit_blas_once()
    return topk(items, u)


def topk_chunk_worker(items, us):
    _limit_blas_once()
    return [topk(items, u) for u in us]


def blas_threads():
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


def worker_blas_threads(_):
    _limit_blas_once()
    return blas_threads()


def read_data(a):
    raw = np.fromfile(a.data, dtype=np.float32)
    items = raw[: a.n * a.dim].reshape(a.n, a.dim)
    users = raw[a.n * a.dim :].reshape(-1, a.dim)
    return items, users


def shm_dir():
    return "/dev/shm" if os.path.isdir("/dev/shm") else None


def cmd_knn(a):
    items, users = read_data(a)
    users = users[: a.users]
    with threadpool_limits(limits=1, user_api="blas"):
        main_threads = blas_threads()
        topk(items, users[0])  # touch pages / warm
        t = time.perf_counter()
        serial = [topk(items, u) for u in users]
        serial_ms = (time.perf_counter() - t) * 1e3

    tmp = tempfile.mkdtemp(prefix="bench6-", dir=shm_dir())
    try:
        path = os.path.join(tmp, "items.joblib")
        dump(items, path)
        mm = load(path, mmap_mode="r")
        with Parallel(n_jobs=a.workers, backend="loky") as par:
            # Warm: start the pool, limit BLAS in every worker, fault in the memmap pages.
            wthreads = par(delayed(worker_blas_threads)(i) for i in range(4 * a.workers))
            par(delayed(topk_worker)(mm, users[i % len(users)]) for i in range(2 * a.workers))
            t = time.perf_counter()
            par_res = par(delayed(topk_worker)(mm, u) for u in users)
            par_ms = (time.perf_counter() - t) * 1e3
            # Tuned: explicit chunks of users per task (the same chunk size the threadlab "chunked" row uses).
            c = a.chunk or -(-len(users) // (4 * a.workers))
            t = time.perf_counter()
            chunked = par(delayed(topk_chunk_worker)(mm, users[i : i + c]) for i in range(0, len(users), c))
            chunk_ms = (time.perf_counter() - t) * 1e3
            chunk_res = [x for ch in chunked for x in ch]
        del mm
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for i, (x, y, z) in enumerate(zip(serial, par_res, chunk_res)):
        if not (np.array_equal(x, y) and np.array_equal(x, z)):
            raise SystemExit(f"user {i}: parallel result differs from serial")
    print(json.dumps({
        "serial_ms": serial_ms,
        "parallel_ms": par_ms,
        "parallel_chunked_ms": chunk_ms,
        "chunk": c,
        "users": len(users),
        "blas_threads_main": main_threads,
        "blas_threads_workers": sorted({tuple(w) for w in wthreads}),
        "ids": [x.tolist() for x in serial],
    }))


def cmd_ttfr(a):
    items, users = read_data(a)
    big = np.resize(items, (a.rows, a.dim))  # tiles the 100k rows: 1 GiB for 1,048,576 rows
    big.sum(dtype=np.float64)  # make sure every page is resident before timing
    tmp = tempfile.mkdtemp(prefix="bench6-", dir=shm_dir())
    try:
        out = {"how": a.how, "model_bytes": big.nbytes}
        t0 = time.perf_counter()
        if a.how == "dump":
            path = os.path.join(tmp, "big.joblib")
            dump(big, path)
            arg = load(path, mmap_mode="r")
            out["dump_ms"] = (time.perf_counter() - t0) * 1e3
            par = Parallel(n_jobs=a.workers, backend="loky", return_as="generator")
        else:
            arg = big
            par = Parallel(n_jobs=a.workers, backend="loky", return_as="generator",
                           temp_folder=tmp, max_nbytes="1M", mmap_mode="r")
        gen = par(delayed(topk_worker)(arg, users[u]) for u in range(a.workers))
        first = next(gen)
        out["ttfr_ms"] = (time.perf_counter() - t0) * 1e3
        for _ in gen:
            pass
        out["first_ids"] = first.tolist()
        with threadpool_limits(limits=1, user_api="blas"):
            topk(big, users[1])
            t = time.perf_counter()
            topk(big, users[0])
            out["one_user_serial_ms"] = (time.perf_counter() - t) * 1e3
        del arg, gen
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["knn", "ttfr"])
    p.add_argument("--data", required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--dim", type=int, required=True)
    p.add_argument("--users", type=int, default=0)
    p.add_argument("--rows", type=int, default=1 << 20)
    p.add_argument("--how", choices=["dump", "auto"], default="dump")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--chunk", type=int, default=0, help="users per task for the chunked run; 0: ceil(users / (4 workers))")
    a = p.parse_args()
    cmd_knn(a) if a.mode == "knn" else cmd_ttfr(a)


if __name__ == "__main__":
    sys.exit(main())
