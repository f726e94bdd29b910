/* hostile.h - what the hostile guest's files share (hostile.c: the balloon
 * attacks and the vCPUs' start; hostile_io.c: the disk and network
 * attacks): the device under attack, its rings, the memory the programs use. */
#ifndef FRAMESHIFT_GUEST_HOSTILE_H
#define FRAMESHIFT_GUEST_HOSTILE_H

#include "guest.h"
#include "virtio.h"

#define PAGE 4096ULL
#define NUM 256				/* queue size (the devices' QueueNumMax) */

extern struct vdev dev;
extern volatile uintptr_t dev_base;	/* set by vCPU 0, then the others start */
extern struct vq vqs[4];
extern void *ring_mem[4];		/* ring memory for 4 queues of NUM */
extern uint64_t victim;			/* a whole free frame no program uses itself */
extern uint64_t ram_gpa, ram_len;	/* the largest RAM range, len < 4 GiB */

void wr(uint32_t reg, uint32_t v);
uint32_t rd(uint32_t reg);
/* Zeroed pages of the arena. */
void *take(uint64_t bytes);
bool needs_reset(void);
/* "round N" at N = 1, 2, 4, ... */
void progress(const char *prog, uint64_t round);
/* Add a chain (panics if the ring is full: every chain comes back). */
void add(struct vq *q, const struct vbuf *b, unsigned n);

/* hostile_io.c */
void blk(void);
void net(void);

#endif
