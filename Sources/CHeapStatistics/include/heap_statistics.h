#ifndef FLYWHEEL_HEAP_STATISTICS_H
#define FLYWHEEL_HEAP_STATISTICS_H
#include <stddef.h>

/// Bytes the C heap has handed out and not taken back (glibc's mallinfo2: in-use chunks plus mmapped ones);
/// 0 where that is not known.
size_t flywheel_heap_in_use(void);

#endif
