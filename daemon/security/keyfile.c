#include "security/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int keyfile_read(const char *path, bool secret, char *buf, size_t want_len,
		 char err[KEYFILE_ERR_MAX])
{
	char tmp[256];
	struct stat sb;
	ssize_t n;
	int fd;

	if (want_len + 2 > sizeof(tmp)) {
		snprintf(err, KEYFILE_ERR_MAX, "%s: a key of %zu characters is too long", path,
			 want_len);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
			    O_NONBLOCK); /* a FIFO must not block the start */
	if (fd < 0) {
		snprintf(err, KEYFILE_ERR_MAX, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, KEYFILE_ERR_MAX, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (secret && (sb.st_mode & (S_IRWXG | S_IRWXO))) {
		snprintf(
		    err, KEYFILE_ERR_MAX,
		    "%s: a secret key its group or others may use (mode %04o); chmod 0600 it, or "
		    "give it through LoadCredential=",
		    path, (unsigned)(sb.st_mode & 07777));
		close(fd);
		return -1;
	}
	n = read(fd, tmp, sizeof(tmp) - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, KEYFILE_ERR_MAX, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (n > 0 && tmp[n - 1] == '\n')
		n--;
	if ((size_t)n != want_len || memchr(tmp, '\0', (size_t)n)) {
		explicit_bzero(tmp, sizeof(tmp)); /* a secret with a stray byte is still secret */
		snprintf(err, KEYFILE_ERR_MAX,
			 "%s: expected a key of %zu characters on one line, got %zd bytes", path,
			 want_len, n);
		return -1;
	}
	memcpy(buf, tmp, (size_t)n);
	buf[n] = '\0';
	explicit_bzero(tmp, sizeof(tmp));
	return 0;
}
