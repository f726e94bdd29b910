/* virtio-abi.h - the virtio 1.2 wire formats frameshift speaks: virtio-mmio
 * version 2 registers (spec 4.2.2), device status and feature bits (2.1, 6),
 * split virtqueue layout (2.7) and the balloon's config, queues, features and
 * statistics tags (5.5). Shared by the VMM (virtio/, balloon/) and the
 * freestanding test guest (guest-tests/), so it holds only fixed-width types
 * and macros. Everything on the wire is little endian; both sides are x86-64.
 * docs/virtio.md explains how frameshift uses it. */
#ifndef FRAMESHIFT_VIRTIO_ABI_H
#define FRAMESHIFT_VIRTIO_ABI_H

#include <stdint.h>

/* ---- virtio-mmio, version 2 (no legacy) ---- */
#define VIRTIO_MMIO_MAGIC          0x74726976u /* "virt" */
#define VIRTIO_MMIO_VERSION_2      2u
#define VIRTIO_MMIO_VENDOR         0x53465246u /* "FRFS": frameshift */
#define VIRTIO_MMIO_WINDOW         0x1000u     /* one device per 4 KiB window */

#define VIRTIO_MMIO_REG_MAGIC              0x000
#define VIRTIO_MMIO_REG_VERSION            0x004
#define VIRTIO_MMIO_REG_DEVICE_ID          0x008
#define VIRTIO_MMIO_REG_VENDOR_ID          0x00c
#define VIRTIO_MMIO_REG_DEVICE_FEATURES    0x010
#define VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_REG_DRIVER_FEATURES    0x020
#define VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_REG_QUEUE_SEL          0x030
#define VIRTIO_MMIO_REG_QUEUE_NUM_MAX      0x034
#define VIRTIO_MMIO_REG_QUEUE_NUM          0x038
#define VIRTIO_MMIO_REG_QUEUE_READY        0x044
#define VIRTIO_MMIO_REG_QUEUE_NOTIFY       0x050
#define VIRTIO_MMIO_REG_INTERRUPT_STATUS   0x060
#define VIRTIO_MMIO_REG_INTERRUPT_ACK      0x064
#define VIRTIO_MMIO_REG_STATUS             0x070
#define VIRTIO_MMIO_REG_QUEUE_DESC_LOW     0x080
#define VIRTIO_MMIO_REG_QUEUE_DESC_HIGH    0x084
#define VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW   0x090 /* the available ring */
#define VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH  0x094
#define VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW   0x0a0 /* the used ring */
#define VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH  0x0a4
#define VIRTIO_MMIO_REG_SHM_SEL            0x0ac
#define VIRTIO_MMIO_REG_SHM_LEN_LOW        0x0b0
#define VIRTIO_MMIO_REG_SHM_LEN_HIGH       0x0b4
#define VIRTIO_MMIO_REG_SHM_BASE_LOW       0x0b8
#define VIRTIO_MMIO_REG_SHM_BASE_HIGH      0x0bc
#define VIRTIO_MMIO_REG_CONFIG_GENERATION  0x0fc
#define VIRTIO_MMIO_REG_CONFIG             0x100

/* InterruptStatus / InterruptACK bits */
#define VIRTIO_MMIO_INT_VRING   (1u << 0) /* used buffer notification */
#define VIRTIO_MMIO_INT_CONFIG  (1u << 1) /* configuration change */

/* ---- device status (2.1) ---- */
#define VIRTIO_STATUS_ACKNOWLEDGE   1u
#define VIRTIO_STATUS_DRIVER        2u
#define VIRTIO_STATUS_DRIVER_OK     4u
#define VIRTIO_STATUS_FEATURES_OK   8u
#define VIRTIO_STATUS_NEEDS_RESET   64u
#define VIRTIO_STATUS_FAILED        128u

/* ---- reserved feature bits (6) ---- */
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1          32
#define VIRTIO_F_ACCESS_PLATFORM    33
#define VIRTIO_F_RING_PACKED        34

#define VIRTIO_BIT(b) (1ULL << (b))

/* ---- split virtqueues (2.7) ---- */
#define VIRTQ_DESC_F_NEXT      1u
#define VIRTQ_DESC_F_WRITE     2u /* device-writable (else device-readable) */
#define VIRTQ_DESC_F_INDIRECT  4u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define VIRTQ_USED_F_NO_NOTIFY     1u

/* Alignment of each part (2.7 table "Virtqueue Part Alignment"). */
#define VIRTQ_DESC_ALIGN  16u
#define VIRTQ_AVAIL_ALIGN 2u
#define VIRTQ_USED_ALIGN  4u
#define VIRTQ_MAX_SIZE    32768u

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* struct virtq_avail { le16 flags; le16 idx; le16 ring[num]; le16 used_event; } */
#define VIRTQ_AVAIL_FLAGS      0u
#define VIRTQ_AVAIL_IDX        2u
#define VIRTQ_AVAIL_RING(i)    (4u + 2u * (i))
#define VIRTQ_AVAIL_USED_EVENT(num) VIRTQ_AVAIL_RING(num)
#define VIRTQ_AVAIL_SIZE(num)  (6u + 2u * (num))

struct virtq_used_elem {
	uint32_t id;  /* head of the used chain (32 bits for padding) */
	uint32_t len; /* bytes the device wrote into the chain's buffers */
};

/* struct virtq_used { le16 flags; le16 idx; virtq_used_elem ring[num]; le16 avail_event; } */
#define VIRTQ_USED_FLAGS       0u
#define VIRTQ_USED_IDX         2u
#define VIRTQ_USED_RING(i)     (4u + 8u * (i))
#define VIRTQ_USED_AVAIL_EVENT(num) VIRTQ_USED_RING(num)
#define VIRTQ_USED_SIZE(num)   (6u + 8u * (num))

#define VIRTQ_DESC_SIZE(num)   (16u * (num))

/* 2.7.10: notify (interrupt the driver, or kick the device) when the other
 * side's event index lies in (old, new]. */
static inline int virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

/* ---- the traditional memory balloon (5.5) ---- */
#define VIRTIO_ID_BALLOON 5u

#define VIRTIO_BALLOON_F_MUST_TELL_HOST  0
#define VIRTIO_BALLOON_F_STATS_VQ        1
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM  2
#define VIRTIO_BALLOON_F_FREE_PAGE_HINT  3 /* not offered */
#define VIRTIO_BALLOON_F_PAGE_POISON     4
#define VIRTIO_BALLOON_F_REPORTING       5

/* The balloon always counts in 4 KiB pages, whatever the guest's page size. */
#define VIRTIO_BALLOON_PFN_SHIFT 12
#define VIRTIO_BALLOON_PAGE_SIZE (1u << VIRTIO_BALLOON_PFN_SHIFT)

/* Config space offsets (struct virtio_balloon_config, all le32). */
#define VIRTIO_BALLOON_CFG_NUM_PAGES   0x0
#define VIRTIO_BALLOON_CFG_ACTUAL      0x4
#define VIRTIO_BALLOON_CFG_FREE_PAGE_HINT_CMD_ID 0x8
#define VIRTIO_BALLOON_CFG_POISON_VAL  0xc
#define VIRTIO_BALLOON_CFG_SIZE        0x10

/* Roles of the balloon's queues. On the transport they are numbered in this
 * order, skipping the ones whose feature was not negotiated (as Linux's
 * virtio_balloon does): with REPORTING but not STATS_VQ, reporting is queue 2. */
enum virtio_balloon_vq {
	VIRTIO_BALLOON_VQ_INFLATE,
	VIRTIO_BALLOON_VQ_DEFLATE,
	VIRTIO_BALLOON_VQ_STATS,
	VIRTIO_BALLOON_VQ_FREE_PAGE, /* FREE_PAGE_HINT: never offered */
	VIRTIO_BALLOON_VQ_REPORTING,
	VIRTIO_BALLOON_VQ_MAX
};

/* Statistics: an array of packed 10-byte {le16 tag; le64 val;} entries. */
struct virtio_balloon_stat {
	uint16_t tag;
	uint64_t val;
} __attribute__((packed));

#define VIRTIO_BALLOON_S_SWAP_IN       0
#define VIRTIO_BALLOON_S_SWAP_OUT      1
#define VIRTIO_BALLOON_S_MAJFLT        2
#define VIRTIO_BALLOON_S_MINFLT        3
#define VIRTIO_BALLOON_S_MEMFREE       4
#define VIRTIO_BALLOON_S_MEMTOT        5
#define VIRTIO_BALLOON_S_AVAIL         6
#define VIRTIO_BALLOON_S_CACHES        7
#define VIRTIO_BALLOON_S_HTLB_PGALLOC  8
#define VIRTIO_BALLOON_S_HTLB_PGFAIL   9
#define VIRTIO_BALLOON_S_NR            10

/* ---- the block device (5.2) ---- */
#define VIRTIO_ID_BLOCK 2u

#define VIRTIO_BLK_F_SIZE_MAX     1  /* config size_max: the largest data segment */
#define VIRTIO_BLK_F_SEG_MAX      2  /* config seg_max: data segments per request */
#define VIRTIO_BLK_F_RO           5
#define VIRTIO_BLK_F_FLUSH        9
#define VIRTIO_BLK_F_DISCARD      13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

#define VIRTIO_BLK_SECTOR_SHIFT 9
#define VIRTIO_BLK_SECTOR_SIZE  (1u << VIRTIO_BLK_SECTOR_SHIFT)

/* Config space offsets (struct virtio_blk_config), the fields frameshift
 * fills; the rest reads as zero. */
#define VIRTIO_BLK_CFG_CAPACITY            0x00 /* le64, sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX            0x08 /* le32 */
#define VIRTIO_BLK_CFG_SEG_MAX             0x0c /* le32 */
#define VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS 0x24 /* le32 */
#define VIRTIO_BLK_CFG_MAX_DISCARD_SEG     0x28 /* le32 */
#define VIRTIO_BLK_CFG_DISCARD_ALIGN       0x2c /* le32, sectors */
#define VIRTIO_BLK_CFG_MAX_WZ_SECTORS      0x30 /* le32 */
#define VIRTIO_BLK_CFG_MAX_WZ_SEG          0x34 /* le32 */
#define VIRTIO_BLK_CFG_WZ_MAY_UNMAP        0x38 /* u8 */
#define VIRTIO_BLK_CFG_SIZE                0x3c

/* A request: this header (device-readable), data, then one status byte
 * (device-writable, the chain's last). The spec lets a driver frame these
 * across descriptors as it likes. */
struct virtio_blk_outhdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

#define VIRTIO_BLK_T_IN           0
#define VIRTIO_BLK_T_OUT          1
#define VIRTIO_BLK_T_FLUSH        4
#define VIRTIO_BLK_T_GET_ID       8
#define VIRTIO_BLK_T_DISCARD      11
#define VIRTIO_BLK_T_WRITE_ZEROES 13

#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20 /* GET_ID: the serial, NUL-padded, not terminated if 20 long */

/* The data of DISCARD and WRITE_ZEROES: an array of these. */
struct virtio_blk_discard_write_zeroes {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};
#define VIRTIO_BLK_WZ_F_UNMAP 1u /* WRITE_ZEROES only: the range may be deallocated */

/* ---- the network device (5.1) ---- */
#define VIRTIO_ID_NET 1u

#define VIRTIO_NET_F_MAC    5  /* config mac is valid */
#define VIRTIO_NET_F_STATUS 16 /* config status is valid */

#define VIRTIO_NET_CFG_MAC    0x0 /* u8[6] */
#define VIRTIO_NET_CFG_STATUS 0x6 /* le16 */
#define VIRTIO_NET_CFG_SIZE   0x8
#define VIRTIO_NET_S_LINK_UP  1

/* Queues without MQ or CTRL_VQ: receiveq1 (0), transmitq1 (1). */
#define VIRTIO_NET_RXQ 0
#define VIRTIO_NET_TXQ 1

/* Every packet on both queues starts with this header (VERSION_1: always
 * the 12-byte form with num_buffers). */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
#define VIRTIO_NET_HDR_GSO_NONE 0

#endif
