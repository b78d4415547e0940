package dev.nervesys.spi;

import java.util.List;

/**
 * The settings of one capability, found with {@link java.util.ServiceLoader}: list implementations
 * in {@code META-INF/services/dev.nervesys.spi.SettingGroup}. Usually a nested class of the
 * capability's settings record, whose static fields are the declarations.
 */
public interface SettingGroup {

    /** The capability, as a title in docs/configuration.md ("Archive"). */
    String title();

    /** Its page under docs/ ("archive.md"). */
    String page();

    List<Setting> settings();
}
