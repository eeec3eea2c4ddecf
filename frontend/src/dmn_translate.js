// Chinese for the strings dmn-js's decision-table editor shows (its `translate` service, replaced
// here; docs/design.md "Decision tables and rule versions"). Only what the table editor and its
// context menu show; anything else stays as dmn-js wrote it.
const ZH = {
  When: "条件", And: "且", Then: "结果", Annotation: "注释", Annotations: "注释",
  "Hit policy:": "命中方式：", "Hit policy": "命中方式", "View DRD": "查看决策图",
  "Decision name": "决策名称", "Decision name: ": "决策名称：",
  Unique: "唯一（取第一条命中的规则）", First: "首条命中", Priority: "优先级", Any: "任一",
  Collect: "收集全部命中", "Collect (Sum)": "收集并求和", "Collect (Min)": "收集取最小",
  "Collect (Max)": "收集取最大", "Collect (Count)": "收集并计数", "Rule order": "按规则顺序",
  "Output order": "按输出优先级",
  "No overlap is possible and all rules are disjoint. Only a single rule can be matched":
    "规则互不重叠，只会命中一条",
  "Rules may overlap. The first matching rule will be chosen": "规则可重叠，取第一条命中的规则",
  "Collects the values of all matching rules": "收集全部命中规则的结果",
  "Add rule": "添加规则", "Add rule above": "在上方添加规则", "Add rule below": "在下方添加规则",
  "Remove rule": "删除规则", "Copy rule": "复制规则", "Cut rule": "剪切规则",
  "Paste rule above": "粘贴到上方", "Paste rule below": "粘贴到下方",
  "Add input": "添加条件列", "Add output": "添加结果列",
  "Add input column left": "在左侧添加条件列", "Add input column right": "在右侧添加条件列",
  "Add output column left": "在左侧添加结果列", "Add output column right": "在右侧添加结果列",
  "Remove input column": "删除条件列", "Remove output column": "删除结果列",
  "Copy input column": "复制条件列", "Copy output column": "复制结果列",
  "Cut input column": "剪切条件列", "Cut output column": "剪切结果列",
  "Paste input column left": "粘贴到左侧", "Paste input column right": "粘贴到右侧",
  "Paste output column left": "粘贴到左侧", "Paste output column right": "粘贴到右侧",
  "Add cell description": "添加单元格说明", "Remove cell description": "删除单元格说明",
  "Edit input": "编辑条件列", "Edit output": "编辑结果列",
  Input: "条件", Output: "结果", "Input label": "列名", "Input label: ": "列名：",
  "Input expression": "输入表达式", "Input expression: ": "输入表达式：", "Input type": "输入类型",
  "Input values": "可选值", "Output label": "列名", "Output label: ": "列名：", "Output name": "变量名",
  "Output name: ": "变量名：", "Output type": "输出类型", "Output values": "可选值",
  Expression: "表达式", "Enter expression": "输入表达式", Type: "类型", Resize: "调整宽度",
  "Expression language: {expressionLanguageLabel}": "表达式语言：{expressionLanguageLabel}",
  "Expression language": "表达式语言", Yes: "是", No: "否", Value: "值", Values: "值",
};

export function chineseTranslate(template, replacements = {}) {
  const text = ZH[template] ?? template;
  return text.replace(/{([^}]+)}/g, (whole, key) => (key in replacements ? replacements[key] : whole));
}

export const chineseTranslateModule = { translate: ["value", chineseTranslate] };
