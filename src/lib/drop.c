#include "drop.h"

static const char *const names[N_DROP_REASONS] = {
#define DROP_NAME(id, name, text) name,
	DROP_REASONS(DROP_NAME)
#undef DROP_NAME
};

static const char *const texts[N_DROP_REASONS] = {
#define DROP_TEXT(id, name, text) text,
	DROP_REASONS(DROP_TEXT)
#undef DROP_TEXT
};

const char *
drop_reason_name(enum drop_reason r)
{
	return names[r];
}

const char *
drop_reason_text(enum drop_reason r)
{
	return texts[r];
}
