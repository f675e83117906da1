// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file heap.h How the heap gives memory back (glibc malloc tuning), for the helper and the GUI.
///
/// A subscription at 10k processes holds about 15 MB of records and snapshot, and each
/// whole-pipeline change builds another snapshot beside them for a moment. With glibc's defaults
/// that moment is never given back: big vectors freed once raise the mmap threshold (so the next
/// ones come from the heap and stay there), every thread that allocates may get its own arena, and
/// free pages in the middle of the heap stay resident, so the helper's RSS crept from 45 to 66 MB
/// over 100 s of churn. With these settings it stays between 28 and 38 MB (bench/live-bench.py,
/// 10k processes in 500 groups). The GUI follows the same host with its own copy of the picture,
/// models and views, and a worker thread for findings: the same settings, and the free heap handed
/// back now and then (bench/soak.sh).

namespace nsviz
{

/// Once, before the first thread: one arena, a fixed mmap threshold (so large buffers always go
/// back to the kernel when freed). No effect outside glibc.
void tuneHeap();

/// After a scan or an update: hands free heap pages back to the kernel (malloc_trim), when at
/// least @p minFreeBytes are free in the heap. Cheap when little is free.
void releaseFreeHeap(unsigned long minFreeBytes = 1ul << 20);

} // namespace nsviz
