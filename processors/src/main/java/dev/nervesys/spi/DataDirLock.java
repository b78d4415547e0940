package dev.nervesys.spi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * The lock a running agent holds on its data dir ({@value #FILE}, an OS file lock, so it goes away
 * with the process, even after kill -9). Offline tools that change the state ({@code nervesys
 * restore --backup}) take it too, and so refuse to run beside an agent, and an agent cannot start
 * while they run. The file holds the holder's pid, for the message; it is never deleted.
 */
public final class DataDirLock implements AutoCloseable {

    public static final String FILE = "agent.lock";

    /** The data dir is in use. */
    public static final class HeldException extends IOException {
        HeldException(String message) {
            super(message);
        }
    }

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or throws {@link HeldException} naming the holder's pid when it is taken. */
    public static DataDirLock acquire(Path dataDir, String purpose) throws IOException {
        Files.createDirectories(dataDir);
        Path file = dataDir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process (several agents in one JVM, tests)
        } catch (IOException e) {
            // a file system without locks (some network mounts): run, but unprotected
            LoggerFactory.getLogger(DataDirLock.class).warn("Cannot lock {} ({}): nothing keeps a second agent or a restore off this data dir",
                    file, e.getMessage());
            return new DataDirLock(ch, null);
        } catch (RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(ch).map(h -> " (" + h + ")").orElse("");
            ch.close();
            throw new HeldException("data dir " + dataDir + " is in use by a running agent or restore" + holder
                    + ": its lock " + file + " is held");
        }
        try {
            String text = "pid " + ProcessHandle.current().pid() + " " + purpose + "\n";
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
        } catch (IOException e) {
            lock.release();
            ch.close();
            throw e;
        }
        return new DataDirLock(ch, lock);
    }

    private static Optional<String> holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(200);
            int n = ch.read(b, 0);
            return n <= 0 ? Optional.empty() : Optional.of(new String(b.array(), 0, n, StandardCharsets.UTF_8).strip())
                    .filter(s -> !s.isEmpty());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        try {
            if (lock != null) {
                lock.release();
            }
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
