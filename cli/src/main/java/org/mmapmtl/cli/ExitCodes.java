package org.mmapmtl.cli;

/**
 * What {@code ./mmap} exits with, one code per kind of failure, so that scripts can tell a typo from an outage. Every
 * command's {@code --help} lists them.
 */
final class ExitCodes {
    static final int OK = 0;
    /** The work itself failed: an experiment or run failed, evaluations did not finish, an unexpected error. */
    static final int FAILED = 1;
    /** The input is wrong: options, a spec, a file's contents; the message names what to change. */
    static final int USAGE = 2;
    /** What was named does not exist: an experiment, a run or checkpoint the services do not know, a missing file. */
    static final int NOT_FOUND = 3;
    /** A service cannot be reached or is not ready (nothing listening, 503): start it, or try again. */
    static final int UNAVAILABLE = 4;
    /** The service refused in the experiment's present state: cancelling an experiment that has already ended. */
    static final int CONFLICT = 5;

    /** The list every command's {@code --help} ends with. */
    static java.util.Map<String, String> help() {
        java.util.Map<String, String> list = new java.util.LinkedHashMap<>();
        list.put(" " + OK, "done");
        list.put(" " + FAILED, "the work failed (an experiment or run failed, an unexpected error)");
        list.put(" " + USAGE, "wrong input (options, a spec, a file's contents)");
        list.put(" " + NOT_FOUND, "not found (an unknown experiment, run or checkpoint; a missing file)");
        list.put(" " + UNAVAILABLE, "a service unreachable or not ready");
        list.put(" " + CONFLICT, "refused in the present state (cancelling an ended experiment)");
        return list;
    }

    private ExitCodes() {
    }

    /** The code for an HTTP error status a service answered with. */
    static int ofStatus(int status) {
        return switch (status) {
            case 404 -> NOT_FOUND;
            case 409 -> CONFLICT;
            case 502, 503, 504 -> UNAVAILABLE;
            default -> status >= 400 && status < 500 ? USAGE : FAILED;
        };
    }
}
