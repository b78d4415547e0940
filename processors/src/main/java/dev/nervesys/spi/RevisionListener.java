package dev.nervesys.spi;

/**
 * A bean told about every config revision the runtime applies successfully, including the first
 * one at start (and again after each restart). Beans implementing it are called by the config sync
 * right after the revision was recorded as applied, on the sync's thread: an implementation must
 * return quickly (hand slow work such as uploads to a route or a thread of its own) and must not
 * fail the reload; the runtime logs and ignores anything it throws.
 */
public interface RevisionListener {

    void applied(AppliedRevision revision);
}
