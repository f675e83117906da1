// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/heap.h"

#include <cstdlib> // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nsviz
{

void tuneHeap()
{
#if defined(__GLIBC__)
    // One arena: the scan's reader threads and the worker allocate records that the serving
    // thread frees; with an arena each, the freed memory of one is never reused by another.
    mallopt(M_ARENA_MAX, 1);
    // A fixed threshold also stops glibc from raising it (up to 32 MB) after the first large free:
    // the per-scan vectors of 10k processes (MBs each) then always live in their own mappings.
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

void releaseFreeHeap(unsigned long minFreeBytes)
{
#if defined(__GLIBC__)
    // mallinfo2 walks the free lists only; trimming (madvise of every free page) is worth it only
    // after a whole-pipeline change or a scan left megabytes free.
    struct mallinfo2 mi = mallinfo2();
    if (mi.fordblks >= minFreeBytes)
        malloc_trim(0);
#else
    (void)minFreeBytes;
#endif
}

} // namespace nsviz
