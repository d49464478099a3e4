package org.mmapmtl.events;

/** Every pipeline record is keyed by its experiment id, so that one experiment's events stay in one partition, in order. */
public final class RecordKeys {
    private RecordKeys() {
    }

    /** A record whose key names another experiment than its payload was produced wrongly and is rejected. */
    public static void requireExperimentKey(String recordKey, String experimentId) {
        if (recordKey != null && !recordKey.equals(experimentId)) {
            throw new EventFormatException("record key '" + recordKey + "' is not the experiment '" + experimentId
                    + "' of its payload: the key must be the experiment id");
        }
    }
}
