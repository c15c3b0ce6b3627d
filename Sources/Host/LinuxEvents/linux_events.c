/* Headers only (include/linux_events.h); SwiftPM wants one source file per C target. */
#include "linux_events.h"
