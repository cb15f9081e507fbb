#include "outbox.h"
