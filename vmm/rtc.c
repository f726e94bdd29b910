/* rtc.c - a read-only MC146818 CMOS clock (ports 0x70, 0x71) showing the
 * host's UTC time, and a sink for port 0x80 (POST codes, Linux's I/O delay).
 * Linux reads the wall clock here at boot; without it every read is 0xff,
 * which says "update in progress" forever. Only a --kernel VM has them. */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "vmm/device.h"
#include "vmm/irq.h"

static uint8_t rtc_index;
static pthread_mutex_t rtc_lock = PTHREAD_MUTEX_INITIALIZER;

static uint8_t bcd(int v)
{
	return (uint8_t)((v / 10) << 4 | (v % 10));
}

/* UTC civil date from the epoch, by hand: glibc's gmtime_r may open
 * /etc/localtime, which the seccomp sandbox forbids (H. Hinnant's algorithm) */
static void civil(long long t, int *y, int *mon, int *d, int *h, int *min, int *sec, int *wday)
{
	long long days = t / 86400, rem = t % 86400, z = days + 719468, era = z / 146097;
	long long doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*mon <= 2));
	*h = (int)(rem / 3600);
	*min = (int)(rem / 60 % 60);
	*sec = (int)(rem % 60);
	*wday = (int)((days + 4) % 7); /* 1970-01-01 was a Thursday */
}

static uint8_t rtc_reg(unsigned reg)
{
	struct timespec ts;
	int y, mon, d, h, min, sec, wday;

	clock_gettime(CLOCK_REALTIME, &ts);
	civil(ts.tv_sec, &y, &mon, &d, &h, &min, &sec, &wday);
	switch (reg) {
	case 0x00: return bcd(sec);
	case 0x02: return bcd(min);
	case 0x04: return bcd(h);
	case 0x06: return bcd(wday + 1);
	case 0x07: return bcd(d);
	case 0x08: return bcd(mon);
	case 0x09: return bcd(y % 100);
	case 0x32: return bcd(y / 100);
	case 0x0a: return 0x26;   /* no update in progress, 32.768 kHz */
	case 0x0b: return 0x02;   /* 24-hour, BCD */
	case 0x0d: return 0x80;   /* battery good */
	default: return 0;
	}
}

static void rtc_io(struct device *dev, struct vm *vm, uint64_t offset, uint8_t *data,
		   uint32_t len, bool is_write)
{
	if (!vm_has_irqchip(vm)) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&rtc_lock);
	if (is_write && offset == 0)
		rtc_index = data[0] & 0x7f;
	else if (!is_write) {
		memset(data, 0, len);
		data[0] = offset == 1 ? rtc_reg(rtc_index) : rtc_index;
	}
	pthread_mutex_unlock(&rtc_lock);
}

static void post_io(struct device *dev, struct vm *vm, uint64_t offset, uint8_t *data,
		    uint32_t len, bool is_write)
{
	if (!is_write)
		memset(data, vm_has_irqchip(vm) ? 0 : 0xff, len);
}

static struct device rtc_dev = { .name = "cmos-rtc", .space = DEV_PIO, .base = 0x70, .len = 2, .io = rtc_io };
static struct device post_dev = { .name = "post-port", .space = DEV_PIO, .base = 0x80, .len = 1, .io = post_io };
DEVICE_REGISTER(rtc_dev)
DEVICE_REGISTER(post_dev)
