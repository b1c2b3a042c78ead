import { SegmentedControl, Tooltip, useMantineColorScheme } from "@mantine/core";
import type { MantineColorScheme } from "@mantine/core";

/**
 * Light, dark, or as the system says: Mantine keeps the choice in localStorage
 * (`mantine-color-scheme-value`), so it is remembered across reloads and visits.
 */
export function ThemeControl() {
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  return (
    <Tooltip label="Theme: light, dark, or as your system is set">
      <SegmentedControl
        size="xs"
        aria-label="Theme"
        value={colorScheme}
        onChange={(value) => setColorScheme(value as MantineColorScheme)}
        data={[
          { value: "light", label: "☀ Light" },
          { value: "dark", label: "☾ Dark" },
          { value: "auto", label: "System" },
        ]}
      />
    </Tooltip>
  );
}
