// src/domain/ip.ts: the one address validator (provider callbacks' publicIps/privateIps).
import { describe, expect, it } from "vitest";
import { ipVersion, isIPv4, isIPv6, isIpAddress } from "../src/domain/ip";

const VALID_V4 = ["0.0.0.0", "1.2.3.4", "10.0.0.1", "127.0.0.1", "192.168.1.255", "255.255.255.255", "100.64.0.0", "9.99.199.249", "172.16.254.1"];

const INVALID_V4 = [
  "", "abc", "1.2.3", "1.2.3.4.5", "999.1.1.1", "256.0.0.1", "1.2.3.256", "01.2.3.4", "1.02.3.4", "1.2.3.004", "00.0.0.0",
  "1..3.4", ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4", "+1.2.3.4", "0x7f.0.0.1", "127.1", "1e2.0.0.1",
  "1.2.3.4/24", "1.2.3.4:80", "١.٢.٣.٤", "1.2.3.a",
];

const VALID_V6 = [
  "::", "::1", "1::", "::ffff", "2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:DB8:0:0:8:800:200C:417A",
  "FF01::101", "fe80::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6::8", "1::3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
  "::ffff:1.2.3.4", "::ffff:255.255.255.255", "::1.2.3.4", "0:0:0:0:0:0:13.1.68.3", "1:2:3:4:5:6:1.2.3.4", "1::1.2.3.4",
  "64:ff9b::192.0.2.33", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "a:b:c:d:e:f:0:1", "0::0",
];

const INVALID_V6 = [
  "", ":", ":::", "1:::2", "::1::", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
  "12345::", "g::1", "2001:db8::1 ", " ::1", "fe80::1%eth0", "fe80::1%1", "::ffff:999.1.1.1", "::ffff:1.2.3", "::ffff:01.2.3.4",
  "1:2:3:4:5:6:7:1.2.3.4", "1.2.3.4::", "::1.2.3.4:1", ":1::", "1::2:", "1:2:3:4:5:6:7:8:", ":1:2:3:4:5:6:7:8", "[::1]",
  "::1/128", "2001:db8:::1", "0x1::", "1:2:3:4:5:6:7:8:1.2.3.4", "::ffff:1.2.3.4.5", "1::2:3:4:5:6:7:8",
];

describe("IPv4", () => {
  it.each(VALID_V4)("%s is a valid IPv4 address", (s) => {
    expect(isIPv4(s)).toBe(true);
    expect(ipVersion(s)).toBe(4);
    expect(isIPv6(s)).toBe(false);
  });
  it.each(INVALID_V4)("%j is not an IPv4 address", (s) => {
    expect(isIPv4(s)).toBe(false);
    expect(isIpAddress(s)).toBe(false);
  });
});

describe("IPv6", () => {
  it.each(VALID_V6)("%s is a valid IPv6 address", (s) => {
    expect(isIPv6(s)).toBe(true);
    expect(ipVersion(s)).toBe(6);
    expect(isIPv4(s)).toBe(false);
  });
  it.each(INVALID_V6)("%j is not an IP address", (s) => {
    expect(isIPv6(s)).toBe(false);
    expect(isIpAddress(s)).toBe(false);
  });
});

describe("limits", () => {
  it("a very long string is refused without scanning it as a candidate", () => {
    expect(isIpAddress("1:".repeat(10_000) + "1")).toBe(false);
    expect(isIpAddress("1.".repeat(10_000) + "1")).toBe(false);
  });
  it("every group form at the boundaries: 1 to 4 hex digits", () => {
    expect(isIPv6("f:ff:fff:ffff::")).toBe(true);
    expect(isIPv6("fffff::")).toBe(false);
  });
});
