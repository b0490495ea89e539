package io.ferry.cli;

import io.ferry.migration.Sizes;
import picocli.CommandLine;

/** Parses sizes such as {@code 1G}, {@code 512M}, {@code 4096}. */
final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            return Sizes.parse(value);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
