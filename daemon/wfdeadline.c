#include "wf.h"
