import { describe, expect, it } from "vitest";
import { render } from "@testing-library/svelte";
import Snippet from "./components/Snippet.svelte";
import { snippetSegments, snippetText } from "./snippet";

describe("snippetSegments", () => {
  it("keeps matched and unmatched parts in order", () => {
    expect(
      snippetSegments([
        { text: "the ", matched: false },
        { text: "budget", matched: true },
        { text: " is final", matched: false },
      ]),
    ).toEqual([
      { text: "the ", mark: false },
      { text: "budget", mark: true },
      { text: " is final", mark: false },
    ]);
  });
  it("merges neighbours and drops empty parts", () => {
    expect(
      snippetSegments([
        { text: "", matched: true },
        { text: "bud", matched: true },
        { text: "get", matched: true },
        { text: "", matched: false },
        { text: " ok", matched: false },
      ]),
    ).toEqual([
      { text: "budget", mark: true },
      { text: " ok", mark: false },
    ]);
  });
  it("handles no parts", () => {
    expect(snippetSegments([])).toEqual([]);
    expect(snippetText([])).toBe("");
  });
});

describe("Snippet component", () => {
  it("wraps matches in <mark> and renders everything else as text", () => {
    const { container } = render(Snippet, {
      props: {
        parts: [
          { text: "<img src=x onerror=alert(1)> ", matched: false },
          { text: "<b>budget</b>", matched: true },
          { text: " & more", matched: false },
        ],
      },
    });
    const marks = container.querySelectorAll("mark");
    expect(marks).toHaveLength(1);
    expect(marks[0].textContent).toBe("<b>budget</b>");
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(container.textContent).toBe("<img src=x onerror=alert(1)> <b>budget</b> & more");
  });
});
