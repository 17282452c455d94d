/*
 * capture_off.c — `xsocket capture` in a build without libpcap: the
 * command stays listed, and says what the build lacked and how to get it.
 */
#include "cli.h"

int cmd_capture(int argc, char **argv)
{
	return cli_fail_msg("capture", "this xsocket was built without libpcap "
				       "(install libpcap-dev, then reconfigure and rebuild)");
}
