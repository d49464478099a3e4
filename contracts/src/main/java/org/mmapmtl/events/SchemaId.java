package org.mmapmtl.events;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A versioned event schema such as {@code mmap.partition/1} or {@code mmap.partition/1.2}.
 * Readers accept any minor version of the major they know (new optional fields) and reject other majors.
 */
public record SchemaId(String name, int major, int minor) {
    private static final Pattern FORMAT = Pattern.compile("([a-z][a-z0-9.\\-]*)/(\\d+)(?:\\.(\\d+))?");

    public static SchemaId of(String name, int major) {
        return new SchemaId(name, major, 0);
    }

    public static SchemaId parse(String text) {
        Matcher m = text == null ? null : FORMAT.matcher(text);
        if (m == null || !m.matches()) {
            throw new EventFormatException("schema '" + text + "' is not of the form name/major[.minor]");
        }
        return new SchemaId(m.group(1), Integer.parseInt(m.group(2)), m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }

    /** Fails unless {@code found} is a version of this schema that this reader can read. */
    public void requireReadable(String found) {
        if (found == null) {
            throw new EventFormatException("no schema field: expected " + this);
        }
        SchemaId other = parse(found);
        if (!other.name.equals(name)) {
            throw new EventFormatException("schema " + found + " is not " + this + ": wrong topic or producer");
        }
        if (other.major != major) {
            throw new EventFormatException("schema " + found + " has major version " + other.major
                    + " but this reader understands only " + this + ": upgrade the consumer or re-publish as version " + major);
        }
    }

    @Override
    public String toString() {
        return minor == 0 ? name + "/" + major : name + "/" + major + "." + minor;
    }
}
