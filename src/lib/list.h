/* Intrusive circular doubly-linked list. An empty list points at itself. */
#ifndef LS_LIST_H
#define LS_LIST_H

#include <stdbool.h>
#include "util.h"

struct list {
	struct list *prev, *next;
};

#define LIST_INITIALIZER(l) { &(l), &(l) }

static inline void
list_init(struct list *l)
{
	l->prev = l->next = l;
}

static inline bool
list_empty(const struct list *l)
{
	return l->next == l;
}

/* Inserts 'elem' just before 'before' (at the tail when 'before' is the list head). */
static inline void
list_insert(struct list *before, struct list *elem)
{
	elem->prev = before->prev;
	elem->next = before;
	before->prev->next = elem;
	before->prev = elem;
}

static inline void
list_push_back(struct list *l, struct list *elem)
{
	list_insert(l, elem);
}

static inline void
list_remove(struct list *elem)
{
	elem->prev->next = elem->next;
	elem->next->prev = elem->prev;
	list_init(elem);
}

#define LIST_FOR_EACH_SAFE(var, member, head) \
	for (struct list *var##_l_ = (head)->next, *var##_nx_; \
	     var##_l_ != (head) && ((var##_nx_ = var##_l_->next), \
				    (var = CONTAINER_OF(var##_l_, __typeof__(*var), member)), 1); \
	     var##_l_ = var##_nx_)

#endif
