/* entry.S - where every vCPU starts (docs/boot-protocol.md), and the
 * exception stubs. CPL0 is emulated here, so the path to CPL3 is short. */
#include "runtime.h"

	.section .text.entry, "ax"
	.code64
	.globl _start
_start:
	/* RDI = FDT, RSI = vCPU index, RDX = vCPU count, RSP = 0 */
	cmp	$GUEST_MAX_CPUS, %rdx
	ja	too_many
	cmp	%rdx, %rsi
	jae	too_many
	lea	1(%rsi), %rax
	shl	$KSTACK_SHIFT, %rax
	lea	kernel_stacks(%rip), %rsp
	add	%rax, %rsp
	mov	%rsi, %rbx
	call	cpu_init		/* returns the user RSP */

	pushq	$USER_DS
	pushq	%rax
	pushq	$USER_RFLAGS
	pushq	$USER_CS
	lea	guest_main_cpu(%rip), %rax
	pushq	%rax
	mov	%rbx, %rdi
	iretq

too_many:				/* no stack for this vCPU: fail the run */
	mov	$GUEST_EXIT_PANIC, %eax
	out	%eax, $FS_PORT_DEBUG_EXIT
	/* fall through */

/* Stop this vCPU for good. At CPL3 the hlt raises #GP, and the handler calls
 * this again at CPL0: this KVM gives int $n at CPL3 a #UD, and SYSCALL does
 * not reach CPL0, but exceptions do. IF is clear, so nothing wakes it. */
	.globl halt_forever
halt_forever:
	hlt
	jmp	halt_forever

/* Vectors that push an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX.
 * The others push a zero so that every frame looks alike. */
.macro exc vec
exc\vec:
	.if !(\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	pushq	$0
	.endif
	pushq	$\vec
	jmp	exc_common
.endm

	.text
.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	exc	\vec
.endr

exc_common:
	mov	%rsp, %rdi		/* struct exc_frame */
	and	$-16, %rsp
	call	exception_handler	/* does not return */

	.section .rodata
	.globl exc_stubs
	.balign 8
exc_stubs:
.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	exc\vec
.endr

	.section .note.GNU-stack, "", @progbits
