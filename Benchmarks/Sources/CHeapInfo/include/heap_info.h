#ifndef HEAP_INFO_H
#define HEAP_INFO_H
#include <stddef.h>

/// Bytes the process's glibc heap has in use now (arenas plus mmapped chunks), from mallinfo2(); 0 elsewhere.
size_t heap_info_in_use(void);

#endif
