// SpiffWorkflow names task-data variables where BPMN expects element references (a multi-instance
// task's loopDataInputRef `experts` is a variable, not a data input). bpmn-moddle drops such a
// reference on import with an "unresolved reference" warning, so exporting would lose it. Put each
// one back as a bare {id} stand-in: moddle writes a reference as its id, so the XML keeps the name.
export function restoreUnresolvedReferences(warnings) {
  let restored = 0;
  for (const warning of warnings || []) {
    const { element, property, value } = warning;
    if (!element || !property || !value || !/^unresolved reference/.test(warning.message || "")) continue;
    const descriptor = element.$descriptor.propertiesByName[property];
    if (!descriptor || !descriptor.isReference) continue;
    const stand_in = { id: value, $unresolved: true };
    if (descriptor.isMany) element.get(descriptor.name).push(stand_in);
    else element.set(descriptor.name, stand_in);
    restored += 1;
  }
  return restored;
}
