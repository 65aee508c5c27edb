// jemalloc as the process's allocator: linking it puts its malloc and free in front of the C library's, for the
// Swift runtime, Foundation and librdkafka alike. Only its control interface is declared here; jemalloc's own
// header also redeclares malloc and friends, which the C library's module already does.
#include <stddef.h>

int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
