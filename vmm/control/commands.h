/* commands.h - the VM's own control commands, one file per group: cmd_vm.c
 * (info, numastat, map, pause, resume, quit) and the groups below. A device
 * registers its own at init (balloon/device.c). */
#ifndef FRAMESHIFT_VMM_CONTROL_COMMANDS_H
#define FRAMESHIFT_VMM_CONTROL_COMMANDS_H

#include "lib/command.h"

struct vm;

extern const struct control_cmd migrate_commands[];     /* cmd_migrate.c: migrate, numatune, stats, copy-baseline */
extern const struct control_cmd autobalance_commands[]; /* cmd_autobalance.c */
extern const struct control_cmd inject_commands[];      /* cmd_inject.c: fault injection */
extern const struct control_cmd drain_commands[];       /* cmd_drain.c: drain, undrain */
extern const struct control_cmd tier_commands[];        /* cmd_tier.c: tier */
extern const struct control_cmd domain_commands[];      /* cmd_domain.c: dommemstat, setmem, dumpxml */

struct json_object;
struct numa_policy;
/* numatune's reply in virsh's words: numa_mode, numa_nodeset, text (cmd_domain.c) */
void reply_numatune(struct json_object *reply, const struct numa_policy *pol);
/* The VM's virtio-balloon (registered devices, vmm/device.h); NULL if none. */
struct balloon;
struct balloon *control_find_balloon(void);
/* dumpxml: the running domain as libvirt XML (cmd_dumpxml.c) */
struct control_req;
int cmd_dumpxml(struct control_req *r);

/* Register cmd_vm.c's commands, then each group above, with vm as their priv
 * (-1 with a logged message, none registered); unregister them all. */
int control_register_vm(struct vm *vm);
void control_unregister_vm(void);

#endif
