"""``prefetch(arr, i)``: ask the CPU to start loading ``arr[i]`` into cache, from numba code.

Why: a cascade kernel walks the rows of the people who adopted last round, scattered over a CSR
that does not fit in cache at 10^6 people. Each row costs two dependent misses (``indptr[s]``, then
``indices[indptr[s]]``), and the short inner loop's mispredicted exit stops the CPU from running
ahead to the next row, so the misses are paid one after another. Prefetching the rows a few sources
ahead overlaps them: the batched independent-cascade trials (``model.spread``) ran 1.3-3.7 times
faster with it. A prefetch is only a hint: it never faults and never changes a result.

numba has no prefetch of its own; this emits LLVM's ``llvm.prefetch`` (read, high locality, data
cache). ``declare_intrinsic`` mangles the name for typed and opaque pointers alike.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

__all__ = ["prefetch"]

_I8P = ir.IntType(8).as_pointer()
_I32 = ir.IntType(32)


@intrinsic
def prefetch(typingctx, arr, index):
    """Prefetch ``arr[index]`` (a 1-d array, an integer index; no bounds check, none needed)."""
    if not isinstance(arr, types.Array) or arr.ndim != 1 or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        array_type, index_type = signature.args
        array = context.make_array(array_type)(context, builder, args[0])
        offset = context.cast(builder, args[1], index_type, types.intp)
        address = builder.bitcast(builder.gep(array.data, [offset]), _I8P)
        fnty = ir.FunctionType(ir.VoidType(), [_I8P, _I32, _I32, _I32])
        fn = builder.module.declare_intrinsic("llvm.prefetch", [_I8P], fnty)
        # read (0), high temporal locality (3), data cache (1)
        builder.call(fn, [address, ir.Constant(_I32, 0), ir.Constant(_I32, 3), ir.Constant(_I32, 1)])
        return context.get_dummy_value()

    return types.void(arr, index), codegen
