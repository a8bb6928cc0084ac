// SPDX-License-Identifier: GPL-2.0
/*
 * The IPAM plugin the configuration names, run as the specification's
 * "delegation": found in CNI_PATH, given our environment (CNI_COMMAND the
 * same) and the configuration we were given, its result or error read
 * from its stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cni.h"

static int find_plugin(const char *type, char *path, size_t size,
		       struct cni_err *err)
{
	const char *dirs = getenv("CNI_PATH"), *p, *end;
	struct stat st;

	if (!dirs || !*dirs)
		return cni_fail(err, CNI_ERR_ENV, "CNI_PATH: missing");
	for (p = dirs; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (end == p)
			continue;
		if ((size_t)snprintf(path, size, "%.*s/%s", (int)(end - p), p,
				     type) < size && !stat(path, &st) &&
		    S_ISREG(st.st_mode) && !access(path, X_OK))
			return 0;
	}
	return cni_fail(err, CNI_ERR_CONFIG,
			"ipam.type: no plugin %s in CNI_PATH", type);
}

/* The whole of @fd, at most CNI_MAX_INPUT bytes; NULL past that. */
char *cni_read_all(int fd, size_t *len)
{
	size_t size = 4096, n = 0;
	char *buf = malloc(size), *more;
	ssize_t r;

	while (buf) {
		if (n == size) {
			if (size >= CNI_MAX_INPUT)
				break;
			size *= 2;
			more = realloc(buf, size);
			if (!more)
				break;
			buf = more;
		}
		r = read(fd, buf + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (!r) {
			*len = n;
			return buf;
		}
		n += r;
	}
	free(buf);
	return NULL;
}

static int run(const char *path, const char *conf, size_t len, char **out,
	       size_t *out_len, int *status, struct cni_err *err)
{
	int in[2], res[2];
	pid_t pid;
	size_t off = 0;
	ssize_t w;

	if (pipe2(in, O_CLOEXEC))
		return cni_fail(err, CNI_ERR_IO, "pipe: %s", strerror(errno));
	if (pipe2(res, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		return cni_fail(err, CNI_ERR_IO, "pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		close(res[0]);
		close(res[1]);
		return cni_fail(err, CNI_ERR_IO, "fork: %s", strerror(errno));
	}
	if (!pid) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], 0) < 0 || dup2(res[1], 1) < 0)
			_exit(127);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	/* a plugin that exits unread must not kill us */
	signal(SIGPIPE, SIG_IGN);
	while (off < len) {
		w = write(in[1], conf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		off += w;
	}
	close(in[1]);
	*out = cni_read_all(res[0], out_len);
	close(res[0]);
	*status = -1;
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR) {
			free(*out);
			*out = NULL;
			return cni_fail(err, CNI_ERR_IO, "waitpid: %s",
					strerror(errno));
		}
	if (!*out)
		return cni_fail(err, CNI_ERR_IO, "%s: unreadable output", path);
	return 0;
}

/* Its error, as it gave it, under its name. */
static int ipam_error(const char *type, const char *out, size_t len,
		      int status, struct cni_err *err)
{
	json_t *e = json_loadb(out, len, 0, NULL), *msg, *code, *details;

	msg = json_object_get(e, "msg");
	code = json_object_get(e, "code");
	details = json_object_get(e, "details");
	cni_fail(err, json_is_integer(code) && json_integer_value(code) > 0 &&
		 json_integer_value(code) < 1000 ?
		 (int)json_integer_value(code) : CNI_ERR_PLUGIN,
		 "ipam %s: %s", type,
		 json_is_string(msg) ? json_string_value(msg) :
		 WIFEXITED(status) ? "failed" : "killed");
	if (json_is_string(details))
		snprintf(err->details, sizeof(err->details), "%s",
			 json_string_value(details));
	cni_sanitize(err->details);
	json_decref(e);
	return -1;
}

/*
 * ADD fills @res from the result, and sets @allocated once the plugin has
 * succeeded, whatever we make of its result: then there is something to
 * undo. CHECK and DEL need neither.
 */
int ipam_exec(const char *type, const char *command, const char *conf,
	      size_t len, struct cni_result *res, bool *allocated,
	      struct cni_err *err)
{
	char path[4096], *out = NULL;
	size_t out_len = 0;
	json_t *r;
	int status, ret;

	if (find_plugin(type, path, sizeof(path), err) ||
	    setenv("CNI_COMMAND", command, 1) ||
	    run(path, conf, len, &out, &out_len, &status, err))
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ipam_error(type, out, out_len, status, err);
		free(out);
		return -1;
	}
	if (allocated)
		*allocated = true;
	if (!res) {
		free(out);
		return 0;
	}
	r = json_loadb(out, out_len, 0, NULL);
	free(out);
	ret = cni_result_parse(r, "the IPAM result", NULL, res, err);
	json_decref(r);
	return ret;
}
