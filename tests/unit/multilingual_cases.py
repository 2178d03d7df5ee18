"""Per-language prompts the scorer must place: (language, prompt, lowest tier, highest tier)."""

CASES = [
    # English
    ("en", "Hi there, how are you today?", "SIMPLE", "SIMPLE"),
    ("en", "What is the capital of Australia?", "SIMPLE", "SIMPLE"),
    ("en", "Write a Python function that parses a CSV file and returns the rows as dictionaries.", "MEDIUM", "COMPLEX"),
    ("en", "Prove by induction that the sum of the first n odd numbers is n^2, step by step.", "REASONING", "REASONING"),
    # Chinese
    ("zh", "你好，今天过得怎么样？", "SIMPLE", "SIMPLE"),
    ("zh", "法国的首都是哪里？", "SIMPLE", "SIMPLE"),
    ("zh", "用Python写一个函数，读取CSV文件并返回字典列表。", "MEDIUM", "COMPLEX"),
    ("zh", "请用数学归纳法逐步证明：前n个奇数之和等于n的平方。", "REASONING", "REASONING"),
    # Japanese
    ("ja", "こんにちは、元気ですか？", "SIMPLE", "SIMPLE"),
    ("ja", "日本の首都はどこですか？", "SIMPLE", "SIMPLE"),
    ("ja", "CSVファイルを読み込んで辞書のリストを返すPythonの関数を書いてください。", "MEDIUM", "COMPLEX"),
    ("ja", "最初のn個の奇数の和がn^2になることを数学的帰納法で段階的に証明してください。", "REASONING", "REASONING"),
    # Russian
    ("ru", "Привет, как дела?", "SIMPLE", "SIMPLE"),
    ("ru", "Какая столица Франции?", "SIMPLE", "SIMPLE"),
    ("ru", "Напиши функцию на Python, которая читает CSV-файл и возвращает список словарей.", "MEDIUM", "COMPLEX"),
    ("ru", "Докажи по индукции шаг за шагом, что сумма первых n нечётных чисел равна n^2.", "REASONING", "REASONING"),
    # German
    ("de", "Hallo, wie geht es dir?", "SIMPLE", "SIMPLE"),
    ("de", "Was ist die Hauptstadt von Frankreich?", "SIMPLE", "SIMPLE"),
    ("de", "Schreibe eine Python-Funktion, die eine CSV-Datei einliest und eine Liste von Dictionaries zurückgibt.", "MEDIUM", "COMPLEX"),
    ("de", "Beweise per Induktion Schritt für Schritt, dass die Summe der ersten n ungeraden Zahlen n^2 ist.", "REASONING", "REASONING"),
    # Spanish
    ("es", "Hola, ¿cómo estás?", "SIMPLE", "SIMPLE"),
    ("es", "¿Cuál es la capital de Francia?", "SIMPLE", "SIMPLE"),
    ("es", "Escribe una función en Python que lea un archivo CSV y devuelva una lista de diccionarios.", "MEDIUM", "COMPLEX"),
    ("es", "Demuestra por inducción, paso a paso, que la suma de los primeros n números impares es n^2.", "REASONING", "REASONING"),
    # Portuguese
    ("pt", "Olá, tudo bem com você?", "SIMPLE", "SIMPLE"),
    ("pt", "Qual é a capital da França?", "SIMPLE", "SIMPLE"),
    ("pt", "Escreva uma função em Python que leia um arquivo CSV e retorne uma lista de dicionários.", "MEDIUM", "COMPLEX"),
    ("pt", "Demonstre por indução, passo a passo, que a soma dos n primeiros números ímpares é n^2.", "REASONING", "REASONING"),
    # Korean
    ("ko", "안녕하세요, 잘 지내세요?", "SIMPLE", "SIMPLE"),
    ("ko", "프랑스의 수도는 어디인가요?", "SIMPLE", "SIMPLE"),
    ("ko", "CSV 파일을 읽어서 딕셔너리 리스트를 반환하는 파이썬 함수를 작성해 주세요.", "MEDIUM", "COMPLEX"),
    ("ko", "처음 n개의 홀수의 합이 n^2임을 귀납법으로 단계별로 증명하세요.", "REASONING", "REASONING"),
    # Arabic
    ("ar", "مرحبا، كيف حالك؟", "SIMPLE", "SIMPLE"),
    ("ar", "ما هي عاصمة فرنسا؟", "SIMPLE", "SIMPLE"),
    ("ar", "اكتب دالة بلغة بايثون تقرأ ملف CSV وتعيد قائمة من القواميس.", "MEDIUM", "COMPLEX"),
    ("ar", "برهن بالاستقراء خطوة بخطوة أن مجموع أول n من الأعداد الفردية يساوي n^2.", "REASONING", "REASONING"),
]
